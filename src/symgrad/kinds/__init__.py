"""The claim kinds with procedures of their own (psd, expectation, convergence, value):
each kind's prover, judge and exact confirmation.  Takes a model and a claim; gives the
outcomes of its two paths, like :mod:`symgrad.paths`."""
