# Copyright (c) FineTec authors. All rights reserved.
from .lagrangian_accel_head import (LagrangianAccelHead, pseudo_acceleration,
                                    sym_to_triu, triu_to_sym, velocity)

__all__ = [
    'LagrangianAccelHead', 'pseudo_acceleration', 'sym_to_triu',
    'triu_to_sym', 'velocity'
]
