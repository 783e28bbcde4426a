"""The two independent paths: the symbolic one (exact entries, :mod:`.symbolic`, with its zero
test and SymPy's matrix calculus) and the numeric one (numpy-drawn sizes and values in
batches, complex steps along random directions, hypothesis for a small counterexample,
:mod:`.numeric`).  Takes a model and a claim; gives each path's outcome."""
