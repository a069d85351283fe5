"""Model cost: FLOPs (mmengine's counter) of the recognizers and of a
hosted completion."""

import warnings

import numpy as np
import torch

from .inputs import make_inputs
from .models import is_hosted


class _Completion(torch.nn.Module):
    """The hosted completion as a module of (coords, scores), for the FLOP
    counter."""

    def __init__(self, completion):
        super().__init__()
        self.completion = completion

    def forward(self, coords, scores):
        return self.completion.complete_sequences(coords, scores)[0]


def _sdpa_flop_jit(inputs, outputs):
    """Multiply-adds of scaled_dot_product_attention: Q·Kᵀ and the
    attention-weighted sum of V, (..., L, E) x (..., S, E) x (..., S, Ev)."""
    from mmengine.analysis.jit_handles import get_shape
    q, k, v = (get_shape(x) for x in inputs[:3])
    batch = int(np.prod(q[:-2])) if len(q) > 2 else 1
    return batch * q[-2] * k[-2] * (q[-1] + v[-1])


def count_flops(module, inputs):
    """(multiply-adds, unsupported op counts) of one forward with mmengine's
    counter; None and the error when it fails."""
    from mmengine.analysis import FlopAnalyzer
    was_training = module.training
    module.eval()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            analyzer = FlopAnalyzer(module, inputs)
            analyzer.set_op_handle(
                'aten::scaled_dot_product_attention', _sdpa_flop_jit)
            analyzer.unsupported_ops_warnings(False)
            analyzer.uncalled_modules_warnings(False)
            total = analyzer.total()
            return float(total), dict(analyzer.unsupported_ops()), None
    except Exception as err:  # noqa: BLE001  (reported, not fatal)
        return None, {}, f'{type(err).__name__}: {err}'.splitlines()[0][:300]
    finally:
        module.train(was_training)


def hosted_flops(run, args, gen, result, unsupported, errors):
    """FLOPs of a recognizer with hosted completion: the recognizer part is
    counted on the inputs the completion would hand it (2·streams + 1
    channels, + 2 for the linear fill of a two-fill model), the completion
    network and a two-fill model's linear-stream GCN on their own;
    decomposition and the linear fill are element-wise (not counted)."""
    model = run['model']
    x = make_inputs(1, 1, args.num_person, args.clip_len,
                    2 * len(model.streams) + 1 + 2 * model.carries_linear,
                    args.device, 0.0, gen)
    decomposition, completion = model.decomposition, model.completion
    model.decomposition = model.completion = None
    try:
        base, ops, err = count_flops(model, (x, ))
    finally:
        model.decomposition, model.completion = decomposition, completion
    extra = 0.0
    if completion is not None:
        x = make_inputs(1, 1, args.num_person, args.clip_len, 3,
                        args.device, run['drop_ratio'], gen)
        coords = x[..., :2].reshape(-1, args.clip_len, 17, 2)
        scores = x[..., 2].reshape(-1, args.clip_len, 17)
        extra, c_ops, c_err = count_flops(
            _Completion(completion).eval(), (coords, scores))
        result['flops_completion'] = extra
        unsupported['completion'] = c_ops
        if c_err:
            errors['completion'] = c_err
    if model.linear_stream:
        # the traced forward returns the completion stream's features, so
        # the tracer drops the linear stream: count its GCN on its own input
        x = make_inputs(1, 1, args.num_person, args.clip_len, 3,
                        args.device, 0.0, gen)
        linear, l_ops, l_err = count_flops(model.linear_backbone,
                                           (x.flatten(0, 1), ))
        result['flops_linear_stream'] = linear
        unsupported['linear_stream'] = l_ops
        if l_err:
            errors['linear_stream'] = l_err
        extra = None if linear is None or extra is None else extra + linear
    total = None if base is None or extra is None else base + extra
    return total, ops, err


def bench_flops(runs, args, result):
    """FLOPs of one sample (one clip, M persons, T frames), forward only."""
    gen = torch.Generator().manual_seed(args.seed + 2)
    unsupported, errors = {}, {}
    for name, run in runs.items():
        if is_hosted(run['model']):
            flops, ops, err = hosted_flops(run, args, gen, result,
                                           unsupported, errors)
        else:
            x = make_inputs(1, 1, args.num_person, args.clip_len,
                            run['channels'], args.device, 0.0, gen)
            flops, ops, err = count_flops(run['model'], (x, ))
        result[f'flops_{name}'] = flops
        unsupported[name] = ops
        if err:
            errors[name] = err
    result['flops_unsupported_ops'] = unsupported
    if errors:
        result['flops_errors'] = errors
