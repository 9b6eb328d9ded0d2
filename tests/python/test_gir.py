#!/usr/bin/python3
# test_gir.py - audit of Upgrade-1.gir: everything public is usable and
# leak-free from Python (see bindings/python/README.md)
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import ctypes
import os
import unittest
import xml.etree.ElementTree as ET

from upgtest import BUILD_ROOT, Upgrade

CORE = '{http://www.gtk.org/introspection/core/1.0}'
C = '{http://www.gtk.org/introspection/c/1.0}'
GLIB = '{http://www.gtk.org/introspection/glib/1.0}'
GIR = os.path.join(BUILD_ROOT, 'libupgrade', 'Upgrade-1.gir')
LIBRARIES = [os.path.join(BUILD_ROOT, 'libupgrade', 'libupgrade-1.so'),
             os.path.join(BUILD_ROOT, 'spi', 'libupgrade-spi-1.so')]
CALLABLES = ('function', 'method', 'constructor')

# Not introspectable on purpose, with the introspectable alternative.
NOT_INTROSPECTABLE = {
    'upg_context_log': 'printf-style varargs; upg_context_log_literal() is bound',
    'upg_rows_append_take': '(skip): C-only ownership shortcut of upg_rows_append()',
    'UPG_PLUGIN_DEFINE': 'a C macro for plugin authors',
    'UPG_DEPRECATED_IN_1_0_FOR': 'a C macro: availability of C symbols',
    'UPG_SPI_DEPRECATED_IN_1_0_FOR': 'a C macro: availability of C symbols',
    'UPG_DEPRECATED_ENUMERATOR_IN_1_0_FOR': 'a C macro: availability of C symbols',
}


def callables(root):
    for element in root.iter():
        tag = element.tag.replace(CORE, '')
        if tag in CALLABLES or tag == 'function-macro':
            yield tag, element


def values(element):
    """(name, element) of the return value and parameters of a callable."""
    result = element.find(CORE + 'return-value')
    if result is not None:
        yield 'return', result
    parameters = element.find(CORE + 'parameters')
    if parameters is not None:
        for parameter in parameters:
            yield parameter.get('name'), parameter


def type_of(value):
    found = value.find(CORE + 'type')
    return found if found is not None else value.find(CORE + 'array')


class GirTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.root = ET.parse(GIR).getroot()
        cls.namespace = cls.root.find(CORE + 'namespace')

    def test_namespace(self):
        self.assertEqual(self.namespace.get('name'), 'Upgrade')
        self.assertEqual(self.namespace.get('version'), '1')
        libraries = self.namespace.get('shared-library').split(',')
        self.assertEqual(sorted(libraries), ['libupgrade-1.so.0', 'libupgrade-spi-1.so.0'])
        includes = {i.get('name') for i in self.root.findall(CORE + 'include')}
        self.assertLessEqual({'GObject', 'Gio', 'Json'}, includes)

    def test_everything_is_introspectable(self):
        refused = {}
        for _, element in callables(self.root):
            if element.get('introspectable') == '0':
                name = element.get(C + 'identifier') or element.get('name')
                refused[name] = element
        self.assertEqual(sorted(refused), sorted(NOT_INTROSPECTABLE))

    def test_every_symbol_exists(self):
        libraries = [ctypes.CDLL(path) for path in LIBRARIES]
        missing = []
        for tag, element in callables(self.root):
            symbol = element.get(C + 'identifier')
            if tag == 'function-macro' or symbol is None:
                continue
            if not any(hasattr(library, symbol) for library in libraries):
                missing.append(symbol)
        for element in self.namespace:
            get_type = element.get(GLIB + 'get-type')
            if get_type and get_type != 'intern' and \
                    not any(hasattr(library, get_type) for library in libraries):
                missing.append(get_type)
        self.assertEqual(missing, [], 'declared in a public header, not in the libraries')

    def test_containers_have_element_types(self):
        bad = []
        for _, element in callables(self.root):
            for name, value in values(element):
                kind = type_of(value)
                if kind is None:
                    continue
                if kind.get('name') in ('GLib.PtrArray', 'GLib.List', 'GLib.SList',
                                        'GLib.HashTable', 'GLib.Array') and len(kind) == 0:
                    bad.append('%s: %s' % (element.get(C + 'identifier'), name))
        self.assertEqual(bad, [])

    def test_pointer_arrays_are_not_transfer_full(self):
        # Our arrays own their elements (a free function), so a caller that
        # owns the array must not free the elements too: (transfer
        # container). (transfer full) makes PyGObject free them twice.
        bad = []
        for _, element in callables(self.root):
            for name, value in values(element):
                kind = type_of(value)
                if kind is not None and kind.get('name') == 'GLib.PtrArray' and \
                        value.get('transfer-ownership') == 'full':
                    bad.append('%s: %s' % (element.get(C + 'identifier'), name))
        self.assertEqual(bad, [])

    def test_no_untyped_pointers(self):
        bad = []
        for _, element in callables(self.root):
            if element.get('introspectable') == '0':
                continue
            for name, value in values(element):
                kind = type_of(value)
                if kind is not None and kind.get('name') == 'gpointer' and \
                        value.get('closure') is None and name not in ('user_data', 'return'):
                    bad.append('%s: %s' % (element.get(C + 'identifier'), name))
        for signal in self.root.iter(GLIB + 'signal'):
            for name, value in values(signal):
                kind = type_of(value)
                if kind is not None and kind.get('name') in ('gpointer', None):
                    bad.append('signal %s: %s' % (signal.get('name'), name))
        self.assertEqual(bad, [])

    def test_enumerations_have_gtypes(self):
        # Without a GType an enum cannot be a signal argument or property.
        bad = [e.get('name') for e in self.namespace
               if e.tag in (CORE + 'enumeration', CORE + 'bitfield') and
               e.get(GLIB + 'get-type') is None]
        self.assertEqual(bad, [])
        self.assertEqual(Upgrade.ResumeAction.SKIP.value_nick, 'skip')

    def test_throwing_constructors_are_not_nullable(self):
        # NULL comes only with a GError, which bindings raise.
        bad = [element.get(C + 'identifier') for tag, element in callables(self.root)
               if tag == 'constructor' and element.get('throws') == '1' and
               element.find(CORE + 'return-value').get('nullable') == '1']
        self.assertEqual(bad, [])

    def test_async_functions_pair_with_finish(self):
        names = {element.get(C + 'identifier') for _, element in callables(self.root)}
        for name in sorted(n for n in names if n and n.endswith('_async')):
            with self.subTest(function=name):
                self.assertIn(name[:-len('_async')] + '_finish', names)

    def test_typelib_matches_python(self):
        # Every introspectable class and method is reachable from Python.
        for klass in self.namespace.findall(CORE + 'class'):
            with self.subTest(klass=klass.get('name')):
                py_class = getattr(Upgrade, klass.get('name'))
                for method in klass:
                    if method.tag.replace(CORE, '') in CALLABLES and \
                            method.get('introspectable') != '0':
                        self.assertTrue(hasattr(py_class, method.get('name')),
                                        method.get(C + 'identifier'))


if __name__ == '__main__':
    unittest.main(verbosity=2)
