"""Results -> what people and programs read: text lines and JSON (:mod:`.report`), LaTeX
equations and the answer sheet (:mod:`.latex`).  Takes results; gives text."""
