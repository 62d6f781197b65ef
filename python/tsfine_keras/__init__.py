"""tsfine's keras engine: tfjs LayersModels trained by Keras 3 (see server.py)."""
