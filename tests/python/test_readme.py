# test_readme.py - the Python snippets of bindings/python/README.md run as
# written, one after the other in one namespace, as a reader pastes them
# into a script: only the bundle's and the configuration's paths are
# replaced by the test site's (the example bundle, the demo's SQLite
# configuration).
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import contextlib
import io
import os
import re
import unittest

import upgtest

README = os.path.join(upgtest.SOURCE_ROOT, 'bindings', 'python', 'README.md')


def python_blocks():
    with open(README, encoding='utf-8') as f:
        return re.findall(r'^```python\n(.*?)^```$', f.read(), re.M | re.S)


class ReadmeTestCase(upgtest.SiteTestCase):

    def test_snippets_run_as_written(self):
        blocks = python_blocks()
        self.assertGreaterEqual(len(blocks), 2)
        namespace = {}
        out = io.StringIO()
        old_state = os.environ.get('UPGRADE_STATE_DIR')
        os.environ['UPGRADE_STATE_DIR'] = self.state_dir
        self.addCleanup(lambda: os.environ.__setitem__('UPGRADE_STATE_DIR', old_state)
                        if old_state is not None else os.environ.pop('UPGRADE_STATE_DIR', None))
        for n, block in enumerate(blocks):
            code = block.replace('/opt/product/upgrade-bundle', upgtest.BUNDLE)
            code = code.replace('/etc/upgrade/upgrade.json', self.config_path)
            with self.subTest(block=n), contextlib.redirect_stdout(out):
                exec(compile(code, '%s block %d' % (README, n + 1), 'exec'), namespace)
        # The plan was printed, and the stage refused for its unconfirmed
        # steps, as the README says: nothing ran.
        self.assertIn('in_stop ft_orders_add_region 3.17.0', out.getvalue())
        self.assertIsNone(namespace['run'].get_execution())


if __name__ == '__main__':
    unittest.main()
