import pytest


@pytest.fixture
def storage_dir(app, tmp_path, monkeypatch):
    monkeypatch.setattr(app.state.services.settings, "file_storage_dir", tmp_path / "files")
    return tmp_path / "files"
