from ens_core import uploads


def test_files_are_recognised_by_content_not_by_name():
    assert uploads.sniff(b"%PDF-1.7\n...") == uploads.PDF
    assert uploads.sniff(b"\x89PNG\r\n\x1a\n....") == uploads.PNG
    assert uploads.sniff(b"\xff\xd8\xff\xe0....") == uploads.JPEG
    assert uploads.sniff(b"<html>%PDF-") is None
    assert uploads.sniff(b"\xff\xd8\xff\xe0", allowed=(uploads.PDF, uploads.PNG)) is None
    assert uploads.matches(b"%PDF-1.4", uploads.PDF)
    assert not uploads.matches(b"GIF89a", "image/gif")


def test_stored_files_live_under_the_data_dir_with_a_random_name(app_ctx):
    first = uploads.store("things", b"%PDF-1.4 a", uploads.PDF)
    second = uploads.store("things", b"%PDF-1.4 a", uploads.PDF)
    assert first.name != second.name and first.name.endswith(".pdf")
    assert first.sha256 == second.sha256 and first.size == 10
    assert uploads.path_of("things", first.name).read_bytes() == b"%PDF-1.4 a"
    # a stored name can never point outside its folder
    escaped = uploads.path_of("things", "../../etc/passwd")
    assert escaped.parent == uploads.folder("things") and escaped.name == "passwd"
