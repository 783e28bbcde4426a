"""What the LaTeX reader knows of LaTeX, in one place: the words and commands that name
functions, the font and accent commands, the spellings of a transpose, the products, the
brackets and the matrix environments."""

FUNCTION_WORDS = {"tr": "tr", "Tr": "tr", "trace": "tr", "diag": "diag", "softmax": "softmax",
                  "ReLU": "relu", "relu": "relu", "Relu": "relu", "sigmoid": "sigmoid",
                  "softplus": "softplus", "step": "step", "vec": "vec", "flip": "flip",
                  "mean": "mean", "logsumexp": "logsumexp", "LSE": "logsumexp", "det": "det",
                  "exp": "exp", "log": "log", "ln": "log", "tanh": "tanh", "max": "max",
                  "abs": "abs", "sqrt": "sqrt", "logdet": "logdet", "sum": "sum",
                  "LReLU": "leaky_relu", "maxpool": "maxpool2d"}
FONTS = {r"\mathbf", r"\boldsymbol", r"\bm", r"\mathrm", r"\mathit", r"\mathsf", r"\mathcal",
         r"\mathbb", r"\vec", r"\text", r"\textrm", r"\textbf", r"\textit", r"\operatorname",
         r"\operatorname*", r"\mathnormal", r"\pmb", r"\underline"}
ACCENT_COMMANDS = {r"\hat": "hat", r"\widehat": "hat", r"\bar": "bar", r"\overline": "bar",
                   r"\tilde": "tilde", r"\widetilde": "tilde"}
TRANSPOSE = {"T", r"\top", r"\intercal", r"\mathsf{T}", r"\mathbf{T}", r"\mathrm{T}",
             r"\text{T}", r"\rm{T}", "t", r"\mathit{T}", r"\bm{T}", r"\boldsymbol{T}",
             r"\textsf{T}", r"\textbf{T}", r"\textrm{T}", r"\mathbb{T}"}
PRODUCTS = {r"\cdot": "juxt", r"\times": "juxt", r"\circ": "mul", r"\odot": "mul",
            r"\oslash": "div", "/": "div", "*": "star", r"\ast": "star", r"\otimes": "kron",
            r"\star": "conv"}
OPENERS = {"(": ")", "[": "]", "{": "}", r"\{": r"\}", r"\lbrack": r"\rbrack",
           r"\lparen": r"\rparen"}
MATRICES = {"bmatrix", "pmatrix", "matrix", "Bmatrix"}
