_base_ = ['./stgcnpp_4xb16-bone-u16-150e_gym99-clean.py',
          '../../_base_/corruption/severe.py']
