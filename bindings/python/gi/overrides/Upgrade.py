# gi/overrides/Upgrade.py - pythonic helpers over the Upgrade GI namespace
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# PyGObject loads this module when a script does
#
#     gi.require_version('Upgrade', '1')
#     from gi.repository import Upgrade
#
# Everything of libupgrade stays reachable as generated from Upgrade-1.gir;
# this only adds what a CI/CD script would otherwise write itself: versions
# that print and compare, JSON results as plain dicts and lists, stage
# names. A failed stage needs no help here: the Upgrade.Run the script
# created keeps its execution (run.get_execution()) when the executor raises.

import json

from gi.repository import GLib, Json

from ..module import get_introspection_module
from ..overrides import override

Upgrade = get_introspection_module('Upgrade')

__all__ = []


def to_python(value):
    """Converts a Json.Node, Json.Object or Json.Array (as the library's
    to_json() and journal calls return them) to dicts, lists and scalars.
    None stays None."""
    if value is None:
        return None
    if isinstance(value, Json.Object):
        node = Json.Node.alloc().init_object(value)
    elif isinstance(value, Json.Array):
        node = Json.Node.alloc().init_array(value)
    elif isinstance(value, Json.Node):
        node = value
    else:
        raise TypeError('expected a Json.Node, Json.Object or Json.Array, got %s'
                        % type(value).__name__)
    return json.loads(Json.to_string(node, False))


def to_json_object(mapping):
    """Converts a dict (for instance the `env` of a run) to a Json.Object;
    None stays None, and a Json.Object is returned as it is."""
    if mapping is None or isinstance(mapping, Json.Object):
        return mapping
    if not isinstance(mapping, dict):
        raise TypeError('expected a dict, got %s' % type(mapping).__name__)
    return Json.from_string(json.dumps(mapping)).get_object()


def stages():
    """The stages (cut-points) in execution order."""
    return [Upgrade.Stage(i) for i in range(Upgrade.N_STAGES)]


def parse_stage(text):
    """The stage called `text` (canonical name or alias, SPEC §3); raises
    GLib.Error (Upgrade.Error.INVALID_STAGE) naming the accepted names."""
    _ok, stage = Upgrade.stage_from_string(text)
    return stage


__all__ += ['to_python', 'to_json_object', 'stages', 'parse_stage']


# upgradectl's exit codes (SPEC §9) are the programs' contract, not the
# library's (bindings/common/upg-exit-code.c in C); hooks written in
# Python exit with the same ones.
_EXIT_CODES = {
    Upgrade.Error.INVALID_ARGUMENT: 2,
    Upgrade.Error.INVALID_VERSION: 2,
    Upgrade.Error.INVALID_STAGE: 2,
    Upgrade.Error.INVALID_MANIFEST: 2,
    Upgrade.Error.INVALID_BUNDLE: 2,
    Upgrade.Error.INVALID_CONFIG: 2,
    Upgrade.Error.PLAN: 2,
    Upgrade.Error.NOT_FOUND: 2,
    Upgrade.Error.ABI_MISMATCH: 2,
    Upgrade.Error.LOCKED: 3,
    Upgrade.Error.IN_DOUBT: 5,
    Upgrade.Error.CONFIRMATION_REQUIRED: 6,
}
_BAD_INPUT_DOMAINS = (GLib.quark_to_string(GLib.file_error_quark()),
                      GLib.quark_to_string(GLib.KeyFile.error_quark()))


def error_exit_code(error):
    """The upgradectl exit code for a GLib.Error, 0 for None: 1 a step or
    check failed, 2 bad input, 3 the site is locked, 5 a statement is in
    doubt, 6 steps need confirmation. Errors of other domains are failures (1), except file and
    key-file errors (bad input, 2)."""
    if error is None:
        return 0
    if error.domain != GLib.quark_to_string(Upgrade.error_quark()):
        return 2 if error.domain in _BAD_INPUT_DOMAINS else 1
    return _EXIT_CODES.get(error.code, 1)


__all__.append('error_exit_code')


def _as_version(other):
    if isinstance(other, Upgrade.Version):
        return other
    if isinstance(other, str):
        return Upgrade.Version.parse(other)
    return None


class Version(Upgrade.Version):
    """An upgrade version: `str()` gives its canonical text; versions compare
    and hash by the SPEC §3 order and compare with version strings too."""

    def __str__(self):
        return self.to_string()

    def __repr__(self):
        return "<Upgrade.Version '%s'>" % self.to_string()

    def _compare(self, other, test):
        other = _as_version(other)
        return NotImplemented if other is None else test(self.compare(other))

    def __eq__(self, other):
        return self._compare(other, lambda c: c == 0)

    def __ne__(self, other):
        return self._compare(other, lambda c: c != 0)

    def __lt__(self, other):
        return self._compare(other, lambda c: c < 0)

    def __le__(self, other):
        return self._compare(other, lambda c: c <= 0)

    def __gt__(self, other):
        return self._compare(other, lambda c: c > 0)

    def __ge__(self, other):
        return self._compare(other, lambda c: c >= 0)

    def __hash__(self):
        return self.hash()


Version = override(Version)
__all__.append('Version')


class Plan(Upgrade.Plan):
    def to_dict(self):
        """The plan in the form of `upgradectl --json plan`, without the
        journal's `confirmed`/`confirmation` members that
        Executor.plan_to_json() adds."""
        return to_python(self.to_json())

    def iter_steps(self):
        """Yields (stage, step) in execution order."""
        for stage in stages():
            for step in self.get_steps(stage):
                yield stage, step


Plan = override(Plan)
__all__.append('Plan')


class Execution(Upgrade.Execution):
    def to_dict(self, with_steps=True):
        """The execution in the form of `upgradectl --json status`."""
        return to_python(self.to_json(with_steps))


Execution = override(Execution)
__all__.append('Execution')


def _add_to_dict(cls):
    """Gives a class with a to_json() method a to_dict() returning Python
    values."""
    class Wrapped(cls):
        def to_dict(self):
            return to_python(self.to_json())

    Wrapped.__name__ = cls.__name__
    Wrapped.__qualname__ = cls.__name__
    Wrapped.__module__ = __name__
    return override(Wrapped)


for _name in ('Assessment', 'CheckResult', 'Estimate', 'PluginInfo'):
    if hasattr(Upgrade, _name):
        globals()[_name] = _add_to_dict(getattr(Upgrade, _name))
        __all__.append(_name)
