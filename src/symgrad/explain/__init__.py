"""Why an answer is wrong: a catalogue of common mistakes, each correction decided two ways
(:mod:`.diagnose`); and mutation testing of the verifier itself (:mod:`.mutate`).  Takes a
refuted claim (or a file); gives a diagnosis (or a kill rate)."""
