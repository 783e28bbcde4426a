"""The vocabulary of the expression language: every operation's shape rule, its numpy and
SymPy meanings and its interval image (:mod:`.ops`), over shapes in named dimensions
(:mod:`.shapes`).  Takes nothing from the other stages; every stage reads it."""
