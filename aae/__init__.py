"""aae-bench: a harness that reproduces "Adversarial Autoencoders" (Makhzani et al., 2015)."""
