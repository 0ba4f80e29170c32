# 数値微分と勾配 (romanised names)
import numpy as np


def suuchi_bibun(f, x):
    h = 1e-4
    return (f(x + h) - f(x - h)) / (2 * h)


def suuchi_koubai(f, x):
    h = 1e-4
    koubai = np.zeros_like(x)
    for i in range(x.size):
        moto = x[i]
        x[i] = moto + h
        ue = f(x)
        x[i] = moto - h
        shita = f(x)
        koubai[i] = (ue - shita) / (2 * h)
        x[i] = moto
    return koubai


def koubai_kouka(f, init_x, lr=0.01, step_num=100):
    x = init_x.copy()
    for _ in range(step_num):
        x -= lr * suuchi_koubai(f, x)
    return x
