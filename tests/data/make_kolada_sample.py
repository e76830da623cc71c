"""Write the Kolada sample files in tests/data/kolada (the demo's made-up values for 2024).

Run from the repository root: `python tests/data/make_kolada_sample.py`. The same values
come as API JSON (oudata, data, kpi) and as a web-download CSV; test_kolada checks that
both give the same Nyckeltal.
"""

from pathlib import Path

from uppf_xl.demo_data import write_kolada_sample

if __name__ == "__main__":
    for path in write_kolada_sample(Path(__file__).resolve().parent / "kolada", 2024):
        print(path)
