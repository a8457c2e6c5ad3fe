"""Multiply-accumulates per character of the random-weight models scripts/measure-targets.sh
measures (embedding 42, vocabulary 85): one definition for its table and the recorded figures."""
EMBED, VOCAB = 42, 85
GATES = {"rnn": 1, "gru": 3, "lstm": 4}


def macs(model):
    """Input side, hidden side and output layer of `model` ("gru-1x256")."""
    cell, shape = model.split("-")
    layers, hidden = (int(x) for x in shape.split("x"))
    g = GATES[cell]
    per_layer_in = [EMBED] + [hidden] * (layers - 1)
    return sum(g * hidden * (i + hidden) for i in per_layer_in) + hidden * VOCAB
