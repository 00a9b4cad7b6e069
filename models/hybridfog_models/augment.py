"""Training augmentation on normalized image batches."""
import torch
import torch.nn.functional as F


def random_crop_flip(x, gen, pad=4, flip=True):
    """Random crop with `pad`-pixel zero padding (zero = the mean color after normalization) and, with flip,
    a horizontal flip, per sample; x (N,C,H,W). The random draws come from gen (a CPU generator) whatever x's device,
    so that a run on a GPU sees the same crops and flips as on the CPU. For CIFAR (pad 4, 32x32 RGB) this is the
    draw-for-draw augmentation of every CIFAR-10 model trained so far."""
    n, c, h, w = x.shape
    dev = x.device
    padded = F.pad(x, (pad, pad, pad, pad))
    dy = torch.randint(0, 2 * pad + 1, (n,), generator=gen).to(dev)
    dx = torch.randint(0, 2 * pad + 1, (n,), generator=gen).to(dev)
    rows = (dy[:, None] + torch.arange(h, device=dev))[:, None, :, None]
    cols = (dx[:, None] + torch.arange(w, device=dev))[:, None, None, :]
    ch = torch.arange(c, device=dev)[None, :, None, None]
    out = padded[torch.arange(n, device=dev)[:, None, None, None], ch, rows, cols]
    if not flip:
        return out
    flipped = (torch.rand(n, generator=gen) < 0.5).to(dev)
    return torch.where(flipped[:, None, None, None], out.flip(3), out)
