"""The shared vocabulary: names and rules every part of the monitor uses (standard library
only, so that any module may import it)."""
