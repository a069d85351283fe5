_base_ = ['./stgcnpp_4xb16-bone-u100-150e_ntu120-xsub-clean.py',
          '../../_base_/corruption/minor.py']
