"""The /__admin control plane: everything that exists only in the mock."""
