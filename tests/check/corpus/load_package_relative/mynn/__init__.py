from .layers import Affine, Relu, Sigmoid
