_base_ = ['./stgcn_4xb16-joint-u16-150e_gym99-clean.py',
          '../../_base_/corruption/moderate_interp.py']
