"The command-line tools, run as a user would."
import subprocess

def run(bin_path, *args):
    return subprocess.run([str(bin_path / args[0]), *args[1:]], capture_output=True, text=True, timeout=300)

def test_data_summary_fashion_mnist(bin_path):
    r = run(bin_path, 'mousterian-data', 'fashion-mnist')
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert 'Ankle boot' in out and '28x28' in out and '1 channel' in out
    assert '/usr/share/datasets/fashion-mnist' in out or 'FashionMNIST' in out or 'fashion' in out.lower()
    assert [l for l in out.splitlines() if l.startswith('total')][0].split()[1:] == ['60000', '10000']

def test_data_summary_digits(bin_path):
    r = run(bin_path, 'mousterian-data', 'digits')
    assert r.returncode == 0, r.stderr and '8x8' in r.stdout

def test_data_unknown_name(bin_path):
    r = run(bin_path, 'mousterian-data', 'fashion_mnist')
    assert r.returncode != 0
    assert "Unknown dataset 'fashion_mnist'" in r.stderr and 'fashion-mnist' in r.stderr and 'Traceback' not in r.stderr

def test_data_folder_missing_classes(bin_path, tmp_path):
    from mousterian.data import write_image_folder
    write_image_folder(tmp_path, ['n02108915'], n_per_class=1)
    r = run(bin_path, 'mousterian-data', 'imagenet10', '--root', str(tmp_path))
    assert r.returncode != 0 and 'lacks 9 of the 10 class folders' in r.stderr and 'n02114855' in r.stderr

def test_fit_cli(bin_path, tmp_path):
    from mousterian.equiv import simulate, TRUE
    simulate(TRUE).assign(generator='sim').to_csv(tmp_path / 'res.csv', index=False)
    r = run(bin_path, 'mousterian-fit', str(tmp_path / 'res.csv'), '--group', 'generator', '--n-boot', '20')
    assert r.returncode == 0, r.stderr
    assert 'n_syn+/n_base ≃' in r.stdout and '95% bootstrap intervals' in r.stdout
    assert (tmp_path / 'res_law' / 'sim' / 'law.json').exists() and (tmp_path / 'res_law' / 'sim' / 'law.png').exists()
    r = run(bin_path, 'mousterian-fit', str(tmp_path / 'nope.csv'))
    assert r.returncode != 0 and 'does not exist' in r.stderr
