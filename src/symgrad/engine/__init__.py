"""The evaluators: a resolved expression computed on a backend (:mod:`.evaluate`) — complex
numpy arrays, SymPy entries, or batches of random draws — and the time limits every path
shares (:mod:`.deadline`).  Takes a model; gives arrays."""
