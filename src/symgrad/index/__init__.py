"""The index path: a claim proved for every size in index notation, independently of SymPy's
matrix calculus.  Takes a model and a claim; gives an :class:`.prove.IndexOutcome`: the normal
form of answer - truth is 0 (every size), or what remains of it, or why there is no index form.
"""
