from setuptools import setup

setup(name='mynn', packages=['mynn'])
