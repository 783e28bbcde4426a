"""The two paths' outcomes -> one verdict: the per-kind procedure table (:mod:`.procedures`),
the rules that combine them (:mod:`.combine`) and the verdict as data (:mod:`.results`).
Takes a model and a claim; gives a :class:`.results.Result`."""
