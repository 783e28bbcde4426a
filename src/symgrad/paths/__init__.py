"""The two independent paths: the symbolic one (exact entries, :mod:`.symbolic`, with its zero
test and SymPy's matrix calculus) and the numeric one (hypothesis-drawn sizes and values,
complex steps, :mod:`.numeric`).  Takes a model and a claim; gives each path's outcome."""
