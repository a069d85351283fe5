from .finetec_recognizer import FineTecRecognizer

__all__ = ['FineTecRecognizer']
