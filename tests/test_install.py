"The package as a user who installs it (a wheel, no checkout) meets it: the study runs to its report."
import subprocess, sys, sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

def test_wheel_installed_study_runs(tmp_path):
    r = subprocess.run([sys.executable, '-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '-q', '-w', str(tmp_path / 'dist'), str(ROOT)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    wheel, = (tmp_path / 'dist').glob('mousterian-*.whl')
    venv = tmp_path / 'venv'
    subprocess.run([sys.executable, '-m', 'venv', '--without-pip', str(venv)], check=True, timeout=300)
    site = Path(subprocess.run([str(venv / 'bin' / 'python'), '-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'],
                               capture_output=True, text=True, check=True).stdout.strip())
    # the wheel installed by pip into the new environment; its dependencies come from this environment's site-packages by a path
    # line, which adds the folder but not its .pth files (so not the editable checkout)
    r = subprocess.run([sys.executable, '-m', 'pip', '--python', str(venv / 'bin' / 'python'), 'install', '--no-deps', '-q', str(wheel)], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    (site / 'deps.pth').write_text(sysconfig.get_paths()['purelib'] + '\n')
    entry = venv / 'bin' / 'mousterian-study'
    work = tmp_path / 'elsewhere'; work.mkdir()
    where = subprocess.run([str(venv / 'bin' / 'python'), '-c', 'import mousterian; print(mousterian.__file__)'], capture_output=True, text=True, cwd=work, check=True).stdout
    assert where.startswith(str(site)), where  # the installed copy, not the checkout
    assert (site / 'mousterian' / 'assets' / 'experiments' / 'study_report.ipynb').is_file()  # the report template travels as package data
    tables = sorted((Path(__file__).parents[1] / 'nbs' / 'paper' / 'tables').glob('*.csv'))
    assert tables and all((site / 'mousterian' / 'assets' / 'paper_tables' / t.name).read_bytes() == t.read_bytes() for t in tables)  # the paper notebook's tables, from any folder
    r = subprocess.run([str(entry), 'tiny', '--out', str(work / 'study'), '--device', 'cpu', '--set', '{grid: {seeds: [0], split_seeds: [0]}}'], capture_output=True, text=True, cwd=work, timeout=900,
                       env={'PATH': f"{venv / 'bin'}:/usr/bin:/bin", 'MOUSTERIAN_PROGRESS': '0', 'HOME': str(tmp_path),
                            'JUPYTER_PATH': str(Path(sys.prefix) / 'share' / 'jupyter')})  # the dependencies' data files (nbconvert's templates), as their own install would place them
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert (work / 'study' / 'report.html').exists() and 'Study report' in (work / 'study' / 'report.html').read_text()
