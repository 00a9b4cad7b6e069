"""CIFAR ResNets (He et al., CVPR 2016: 3 stages x n basic blocks, 16/32/64 channels; ResNet-20/32/56 for n =
3/5/9, depth = 6n + 2) and their conditionally deep hybrid variants (Long, Chakraborty, Roy, arXiv 2005.10851).

Hybrid: the edge holds conv1 (full precision) and the first `cut` basic blocks with quantized
convolutions (BN -> k-bit activation -> k-bit conv, XNOR-Net style for k = 1); batch norm, the 1x1
shortcut convolutions and every classifier stay full precision. The early exit (average pool + FC)
sits after block `cut`; the cloud holds the remaining blocks and the final classifier.
"""
import re

import torch
import torch.nn as nn
import torch.nn.functional as F

from .quant import QuantActivation, QuantConv2d, quantized_activation

BLOCKS_PER_STAGE = 5  # ResNet-32
WIDTHS = (16, 32, 64)
# named cut points of ResNet-32: number of basic blocks on the edge (parse_cut names them for any depth)
CUTS = {"s1": 5, "s2b3": 8, "s3b2": 12}
ARCHS = {"resnet20": 20, "resnet32": 32, "resnet56": 56}


def blocks_per_stage(depth):
    """n of a CIFAR ResNet of this depth (6n + 2 layers)."""
    if depth < 8 or (depth - 2) % 6:
        raise ValueError(f"a CIFAR ResNet has depth 6n + 2 (20, 32, 56, ...), not {depth}")
    return (depth - 2) // 6


def parse_cut(cut, depth=32):
    """Number of basic blocks on the edge for a cut name: "sK" = the first K stages, "sKbJ" = the first K - 1 stages
    and J blocks of stage K (ResNet-32: s1 = 5, s2b3 = 8, s3b2 = 12), or a plain block count. Between 1 and 3n."""
    n = blocks_per_stage(depth)
    m = re.fullmatch(r"s([123])(?:b(\d+))?", str(cut))
    if m:
        stage, j = int(m.group(1)), m.group(2)
        if j is not None and not 1 <= int(j) <= n:
            raise ValueError(f"cut {cut}: stage {stage} of a ResNet-{depth} has {n} blocks")
        blocks = stage * n if j is None else (stage - 1) * n + int(j)
    elif str(cut).isdigit():
        blocks = int(cut)
    else:
        raise ValueError(f"cut {cut!r}: a stage (s1, s2, s3), a stage and block (e.g. s2b3) or a block count")
    if not 1 <= blocks <= 3 * n:
        raise ValueError(f"cut {cut}: {blocks} blocks; a ResNet-{depth} has {3 * n}")
    return blocks


class BasicBlock(nn.Module):
    """Full precision: conv-BN-ReLU-conv-BN + shortcut, ReLU (option B 1x1 shortcut when shape changes)."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = _shortcut(cin, cout, stride)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class QuantBlock(nn.Module):
    """Quantized: BN -> k-bit activation -> k-bit conv, twice, + full-precision shortcut.

    shortcuts="block": one shortcut around both convolutions (the paper's block). shortcuts="conv": one around each
    convolution (Bi-Real Net, Liu et al., ECCV 2018): the real-valued input of every binary convolution is added to
    its output, so the information its sign activation discards reaches the next layer. Same parameters and MACs
    (additions only), so one set of weights can be fine-tuned into the other."""

    def __init__(self, cin, cout, stride, bits, shortcuts="block"):
        super().__init__()
        if shortcuts not in ("block", "conv"):
            raise ValueError(f"shortcuts must be 'block' or 'conv', got {shortcuts!r}")
        self.shortcuts = shortcuts
        self.bn1 = nn.BatchNorm2d(cin)
        self.act1 = QuantActivation(bits)
        self.conv1 = QuantConv2d(cin, cout, 3, stride=stride, padding=1, bits=bits)
        self.bn2 = nn.BatchNorm2d(cout)
        self.act2 = QuantActivation(bits)
        self.conv2 = QuantConv2d(cout, cout, 3, padding=1, bits=bits)
        self.shortcut = _shortcut(cin, cout, stride)

    def quantized_layers(self):
        """(batch norm, activation, convolution) in the order the block applies them."""
        return (self.bn1, self.act1, self.conv1), (self.bn2, self.act2, self.conv2)

    def forward(self, x):
        out = self.conv1(quantized_activation(self.bn1, self.act1, x))
        if self.shortcuts == "conv":
            mid = out + self.shortcut(x)
            return self.conv2(quantized_activation(self.bn2, self.act2, mid)) + mid
        out = self.conv2(quantized_activation(self.bn2, self.act2, out))
        return out + self.shortcut(x)


def _shortcut(cin, cout, stride):
    if stride == 1 and cin == cout:
        return nn.Identity()
    return nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))


def _block_specs(depth=32):
    specs, cin = [], 16
    for stage, width in enumerate(WIDTHS):
        for b in range(blocks_per_stage(depth)):
            specs.append((cin, width, 2 if (b == 0 and stage > 0) else 1))
            cin = width
    return specs


class CifarResNet(nn.Module):
    """Full-precision baseline: image (N,in_channels,H,W) float32 -> logits (N,classes); any H, W (global pool)."""

    def __init__(self, classes=10, depth=32, in_channels=3):
        super().__init__()
        self.depth, self.in_channels = depth, in_channels
        self.conv1 = nn.Conv2d(in_channels, 16, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.blocks = nn.Sequential(*[BasicBlock(*s) for s in _block_specs(depth)])
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        x = self.blocks(F.relu(self.bn1(self.conv1(x))))
        return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))


class ResNet32(CifarResNet):
    """ResNet-32 (the CIFAR-10 baseline); same parameter names as any CifarResNet."""

    def __init__(self, classes=10, in_channels=3):
        super().__init__(classes, 32, in_channels)


class HybridEdge(nn.Module):
    """image (N,C,H,W) -> exit logits (N,classes), features (N,C,H,W) at the cut (float32).

    The early exit is BN, ReLU, an average pool to exit_pool x exit_pool and a fully connected layer. exit_pool=1 is a
    global pool (C inputs to the FC); a larger grid keeps where in the image a feature fired (C*exit_pool^2 inputs),
    which a shallow exit needs far more than the final classifier does, for exit_pool^2 times the exit's few MACs.
    exit_blocks > 0 puts that many quantized blocks (exit_bits-bit, per-convolution shortcuts; the first halves the
    grid and doubles the channels, as the next stage of the backbone would) in front of the exit's BN/pool/FC: an
    exit branch (Teerapittayanon et al., BranchyNet, ICPR 2016) of k-bit MACs, cheap beside the cloud's
    full-precision ones, whose features are the exit's own rather than the backbone's.
    shortcuts: see QuantBlock. depth, in_channels: the CifarResNet it is cut from (cut = blocks on the edge)."""

    def __init__(self, cut, bits, classes=10, exit_pool=1, shortcuts="block", exit_blocks=0, exit_bits=None,
                 depth=32, in_channels=3):
        super().__init__()
        specs = _block_specs(depth)[:cut]
        self.conv1 = nn.Conv2d(in_channels, 16, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.blocks = nn.Sequential(*[QuantBlock(*s, bits=bits, shortcuts=shortcuts) for s in specs])
        width = specs[-1][1]
        branch_width = 2 * width if exit_blocks else width
        exit_bits = exit_bits or bits
        self.exit_branch = nn.Sequential(*[
            QuantBlock(width if i == 0 else branch_width, branch_width, 2 if i == 0 else 1, exit_bits, shortcuts="conv")
            for i in range(exit_blocks)])
        self.exit_pool = exit_pool
        self.exit_bn = nn.BatchNorm2d(branch_width)
        self.exit_fc = nn.Linear(branch_width * exit_pool * exit_pool, classes)

    def backbone(self, x):
        """image (N,C,H,W) -> features at the cut (N,C,H,W)."""
        return self.blocks(F.relu(self.bn1(self.conv1(x))))

    def early_exit(self, f):
        """features at the cut (N,C,H,W) -> exit logits (N,classes)."""
        z = F.relu(self.exit_bn(self.exit_branch(f)))
        return self.exit_fc(F.adaptive_avg_pool2d(z, self.exit_pool).flatten(1))

    def forward(self, x):
        f = self.backbone(x)
        return self.early_exit(f), f


class HybridCloud(nn.Module):
    """features (N,C,H,W) -> logits (N,classes); full precision."""

    def __init__(self, cut, classes=10, depth=32):
        super().__init__()
        self.blocks = nn.Sequential(*[BasicBlock(*s) for s in _block_specs(depth)[cut:]])
        self.fc = nn.Linear(64, classes)

    def forward(self, f):
        x = self.blocks(f)
        return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))


def init_hybrid_from_baseline(edge, cloud, baseline):
    """Copies matching full-precision weights (conv1, block convs, shortcuts, BN, fc) into a hybrid."""
    base = baseline.state_dict()
    edge_sd, cloud_sd = edge.state_dict(), cloud.state_dict()
    cut = len(edge.blocks)
    for k in list(edge_sd):
        src = k
        if k.startswith("blocks.") and (".bn1." in k or ".bn2." in k):
            continue  # quantized blocks put BN before the conv: different statistics
        if src in base and base[src].shape == edge_sd[k].shape:
            edge_sd[k] = base[src].clone()
    for k in list(cloud_sd):
        if k.startswith("blocks."):
            i = int(k.split(".")[1])
            src = "blocks." + str(i + cut) + k[len("blocks." + str(i)):]
        else:
            src = k
        if src in base and base[src].shape == cloud_sd[k].shape:
            cloud_sd[k] = base[src].clone()
    edge.load_state_dict(edge_sd)
    cloud.load_state_dict(cloud_sd)
