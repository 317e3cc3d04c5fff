"""SM3 digests match the standard's test vectors (GB/T 32905-2016, appendix A)."""

from ybj_kernel.sm3 import sm3_hex


def test_sm3_of_abc_is_the_standards_first_example() -> None:
    assert sm3_hex(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


def test_sm3_of_sixty_four_bytes_is_the_standards_second_example() -> None:
    assert sm3_hex(b"abcd" * 16) == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
