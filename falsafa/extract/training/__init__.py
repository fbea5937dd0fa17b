"""Training and cross-validation of the extractor's scorers (a dev extra).

Usage::

    python scripts/train_extractor.py            # weights + CV figures

Nothing here runs in the service: it reads ``../shared/data`` (PDNC train and
LitBank dev), fits the scorers with scikit-learn and writes the weights the
package ships (``falsafa/extract/weights/``).
"""
