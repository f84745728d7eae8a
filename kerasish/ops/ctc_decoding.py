"""CTC decoding behind `ops.nn.ctc_decode`: greedy (best path) and prefix beam search, batched over the batch axis.

The beam search keeps, per batch item, `beam_width` distinct label prefixes with two log probabilities each: that of
the alignments ending in a blank and that of those ending in the prefix's last label (Graves' prefix search, which
TensorFlow's `ctc_beam_search_decoder` implements). A step extends every prefix by every label; two candidates can
only coincide when an extension of one beam equals another beam's prefix, and those pairs are merged before the best
`beam_width` candidates are kept.
"""

from __future__ import annotations

import torch

_NEG_INF = float("-inf")


def greedy_decode(logits: torch.Tensor, lengths: torch.Tensor, merge_repeated: bool, blank: int):
    """Best-path decoding: `(decoded (1, batch, time) int32 padded with -1, -sum of the max logits (batch, 1))`."""
    batch, time, _ = logits.shape
    scores, labels = logits.max(dim=-1)
    past_end = torch.arange(time, device=logits.device)[None, :] >= lengths[:, None]
    labels = labels.masked_fill(past_end, blank)
    scores = scores.masked_fill(past_end, 0.0)
    keep = labels != blank
    if merge_repeated:
        repeated = torch.zeros_like(keep)
        repeated[:, 1:] = labels[:, 1:] == labels[:, :-1]
        keep &= ~repeated
    # Left-align the kept labels: a stable sort puts kept positions first, in order.
    order = torch.argsort((~keep).to(torch.int8), dim=1, stable=True)
    decoded = torch.where(keep, labels, -1).gather(1, order)
    return decoded.int().unsqueeze(0), -scores.sum(dim=1, keepdim=True)


def beam_search_decode(logits: torch.Tensor, lengths: torch.Tensor, beam_width: int, top_paths: int, blank: int):
    """Prefix beam search: `(decoded (top_paths, batch, time) int32 padded with -1, log probabilities
    (batch, top_paths))`, best first."""
    batch, time, classes = logits.shape
    if top_paths > beam_width:
        raise ValueError(f"ctc_decode: `top_paths` ({top_paths}) must be at most `beam_width` ({beam_width}).")
    device = logits.device
    log_probs = torch.log_softmax(logits.float() if logits.dtype != torch.float64 else logits, dim=-1)
    dtype = log_probs.dtype
    k = beam_width
    prefixes = torch.full((batch, k, time), -1, dtype=torch.long, device=device)
    prefix_lengths = torch.zeros((batch, k), dtype=torch.long, device=device)
    p_blank = torch.full((batch, k), _NEG_INF, dtype=dtype, device=device)
    p_blank[:, 0] = 0.0  # the empty prefix, before any step
    p_label = torch.full((batch, k), _NEG_INF, dtype=dtype, device=device)
    positions = torch.arange(time, device=device)
    not_blank = torch.ones(classes, dtype=torch.bool, device=device)
    not_blank[blank] = False

    for t in range(time):
        step = log_probs[:, t]  # (batch, classes)
        total = torch.logaddexp(p_blank, p_label)
        valid = total > _NEG_INF
        last = prefixes.gather(2, (prefix_lengths - 1).clamp(min=0).unsqueeze(-1)).squeeze(-1)  # -1 when empty
        has_last = prefix_lengths > 0

        # Staying on the same prefix: a blank, or a repeat of the last label without a blank in between.
        stay_blank = total + step[:, blank : blank + 1]
        repeat = step.gather(1, last.clamp(min=0))
        stay_label = torch.where(has_last, p_label + repeat, _NEG_INF)

        # Extending by label c: a repeat of the last label only counts after a blank.
        same = last.unsqueeze(-1) == torch.arange(classes, device=device)  # (batch, k, classes)
        extend = torch.where(same, p_blank.unsqueeze(-1), total.unsqueeze(-1)) + step.unsqueeze(1)
        extend = torch.where(valid.unsqueeze(-1) & not_blank, extend, _NEG_INF)

        # Merge each extension that equals an existing beam's prefix into that beam.
        parent = prefixes.masked_fill(positions == (prefix_lengths - 1).unsqueeze(-1), -1)  # prefix minus its last
        matches = (parent.unsqueeze(2) == prefixes.unsqueeze(1)).all(-1)  # (batch, beam j, parent beam i)
        matches &= (prefix_lengths.unsqueeze(2) - 1 == prefix_lengths.unsqueeze(1)) & has_last.unsqueeze(2)
        matches &= valid.unsqueeze(2) & valid.unsqueeze(1)
        from_parents = extend.gather(2, last.clamp(min=0).unsqueeze(1).expand(batch, k, k))  # [b, i, j]: ext(i, last_j)
        merged = torch.where(matches, from_parents.transpose(1, 2), _NEG_INF).logsumexp(dim=2)
        stay_label = torch.logaddexp(stay_label, merged)
        # ext(i, c) was merged when some beam j has parent i and last label c.
        last_one_hot = torch.nn.functional.one_hot(last.clamp(min=0), classes).to(dtype)
        taken = torch.bmm(matches.transpose(1, 2).to(dtype), last_one_hot) > 0
        extend = extend.masked_fill(taken, _NEG_INF)

        # Keep the best `k` of the k stays and k * classes extensions.
        stay_blank = torch.where(valid, stay_blank, _NEG_INF)
        stay_label = torch.where(valid, stay_label, _NEG_INF)
        candidates = torch.cat([torch.logaddexp(stay_blank, stay_label), extend.reshape(batch, -1)], dim=1)
        chosen = candidates.topk(k, dim=1).indices
        is_stay = chosen < k
        source = torch.where(is_stay, chosen, (chosen - k) // classes)
        label = (chosen - k) % classes
        new_prefixes = prefixes.gather(1, source.unsqueeze(-1).expand(batch, k, time))
        new_lengths = prefix_lengths.gather(1, source)
        appended = torch.where(positions == new_lengths.unsqueeze(-1), label.unsqueeze(-1), new_prefixes)
        new_prefixes = torch.where(is_stay.unsqueeze(-1), new_prefixes, appended)
        new_lengths = new_lengths + (~is_stay).long()
        ext_flat = extend.reshape(batch, -1)
        new_blank = torch.where(is_stay, stay_blank.gather(1, source), _NEG_INF)
        new_label = torch.where(is_stay, stay_label.gather(1, source), ext_flat.gather(1, (chosen - k).clamp(min=0)))

        # Items whose sequence has ended keep their beams.
        active = (t < lengths).unsqueeze(-1)
        prefixes = torch.where(active.unsqueeze(-1), new_prefixes, prefixes)
        prefix_lengths = torch.where(active, new_lengths, prefix_lengths)
        p_blank = torch.where(active, new_blank, p_blank)
        p_label = torch.where(active, new_label, p_label)

    scores, best = torch.logaddexp(p_blank, p_label).topk(top_paths, dim=1)
    decoded = prefixes.gather(1, best.unsqueeze(-1).expand(batch, top_paths, time))
    return decoded.permute(1, 0, 2).int(), scores.to(logits.dtype if logits.is_floating_point() else dtype)
