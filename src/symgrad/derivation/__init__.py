"""Answers to questions: backward rules per operation (:mod:`.vjps`), reverse mode on trees
(:mod:`.reverse`), and the rewriting that makes an answer read as a textbook would
(:mod:`.tidy`).  Takes a model and a claim without an answer; gives the answer's text."""
