"""Gradient accumulation (seed 001): micro-batches whose losses are divided by the number of steps
and summed into `.grad` give the same update as one step on the whole batch."""
import numpy as np

import tapegrad
from checks import assert_close


def test_accumulated_micro_batches_equal_one_large_batch():
    rng = np.random.default_rng(0)
    inputs = tapegrad.tensor(rng.standard_normal((16, 5)))
    labels = tapegrad.tensor(rng.standard_normal((16, 1)))
    weights = rng.standard_normal((1, 5)), rng.standard_normal(1)

    def model():
        net = tapegrad.nn.Linear(5, 1).double()
        with tapegrad.no_grad():
            net.weight.copy_(tapegrad.tensor(weights[0]))
            net.bias.copy_(tapegrad.tensor(weights[1]))
        return net, tapegrad.optim.SGD(net.parameters(), lr=0.1)

    criterion = tapegrad.nn.MSELoss()
    big, big_optimizer = model()
    criterion(big(inputs), labels).backward()
    big_optimizer.step()

    accumulation_steps = 4
    small, optimizer = model()
    loader = tapegrad.utils.data.DataLoader(tapegrad.utils.data.TensorDataset(inputs, labels), batch_size=4)
    for i, (batch, target) in enumerate(loader):          # the seed's loop, made concrete
        loss = criterion(small(batch), target) / accumulation_steps
        loss.backward()
        if (i + 1) % accumulation_steps == 0:
            optimizer.step()
            optimizer.zero_grad()
    assert_close(small.weight, big.weight, atol=1e-12, rtol=1e-12)
    assert_close(small.bias, big.bias, atol=1e-12, rtol=1e-12)
