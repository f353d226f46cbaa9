"""`centli --version` and the log levels of a normal life (issue 9, item 12): the version comes
from CMakeLists.txt, and a normal start and clean stop log at info, leaving warn and error for
real trouble."""

import json
import unittest

from harness import Server, project_version, run_cli


class Version(unittest.TestCase):
    def test_version_flags_print_the_project_version_and_exit_0(self):
        for flag in ("--version", "-V"):
            with self.subTest(flag=flag):
                p = run_cli(flag)
                self.assertEqual(p.stdout, f"centli {project_version()}\n")
                self.assertEqual(p.stderr, "")


class LifecycleLogs(unittest.TestCase):
    def test_a_normal_start_and_clean_stop_log_at_info_and_nothing_at_warn(self):
        with Server() as server:
            self.assertEqual(server.stop(), 0)
            lines = [json.loads(line) for line in server.logs().splitlines()]
        levels = {line["message"]: line["level"] for line in lines}
        self.assertEqual(levels.get("centli serving"), "info", lines)
        self.assertEqual(levels.get("centli stopped cleanly"), "info", lines)
        serving = next(line for line in lines if line["message"] == "centli serving")
        self.assertEqual(serving["details"]["listen"], f"127.0.0.1:{server.port}")
        self.assertEqual([line for line in lines if line["level"] in ("warn", "error")], [])


if __name__ == "__main__":
    unittest.main()
