"""Renders Salt files the way Salt's default renderer (yaml_jinja) does, with
python3-jinja2 and python3-yaml only (Salt is not packaged for Debian 12).

What is reproduced, from salt/utils/templates.py (render_jinja_tmpl),
salt/utils/jinja.py and salt/utils/yamlloader.py:
- Jinja in a SandboxedEnvironment with StrictUndefined (Salt's default
  unless allow_undefined), the extensions jinja2.ext.do and
  jinja2.ext.loopcontrols, no trim_blocks or lstrip_blocks (Salt's
  defaults), the final newline kept, templates found under the file root
  (`{% from "qrexec-proxy/settings.jinja" import ... %}`);
- the global `raise(message)`, which fails the rendering (TemplateError);
- `salt['pillar.get'](key, default='', delimiter=':')`;
- YAML with the safe loader, where a key given twice in one mapping is an
  error (Salt's loader refuses it too: "Conflicting ID").
"""

import pathlib

import jinja2
import jinja2.sandbox
import yaml


def _jinja_raise(message):
    raise jinja2.TemplateError(message)


class _UniqueKeyLoader(yaml.SafeLoader):
    def construct_mapping(self, node, deep=False):
        keys = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in keys:
                raise yaml.constructor.ConstructorError(
                    None, None, f"conflicting key {key!r}", key_node.start_mark)
            keys.add(key)
        return super().construct_mapping(node, deep=deep)


def load_yaml(text):
    return yaml.load(text, Loader=_UniqueKeyLoader)


def pillar_get(pillar, key, default="", delimiter=":"):
    """salt.modules.pillar.get: walks nested mappings along KEY."""
    value = pillar
    for part in key.split(delimiter):
        if not isinstance(value, dict) or part not in value:
            return default
        value = value[part]
    return value


def _environment(file_root):
    """One Jinja environment per file root: compiled templates are kept."""
    if file_root not in _environments:
        env = jinja2.sandbox.SandboxedEnvironment(
            loader=jinja2.FileSystemLoader(file_root),
            undefined=jinja2.StrictUndefined,
            # Salt adds back the final newline Jinja drops.
            keep_trailing_newline=True,
            extensions=["jinja2.ext.do", "jinja2.ext.loopcontrols"])
        env.globals["raise"] = _jinja_raise
        _environments[file_root] = env
    return _environments[file_root]


_environments = {}


class SaltRenderer:
    """Renders the files under FILE_ROOT for one minion and its pillar."""

    def __init__(self, file_root, pillar):
        self.file_root = pathlib.Path(file_root)
        self.pillar = pillar
        self.env = _environment(str(self.file_root))

    def render_text(self, path):
        """The Jinja output of the file PATH (relative to the file root)."""
        salt = {"pillar.get": lambda key, default="", delimiter=":":
                pillar_get(self.pillar, key, default, delimiter)}
        template = self.env.get_template(str(path))
        return template.render(salt=salt, pillar=self.pillar, grains={}, opts={})

    def render(self, path):
        """The data of the file PATH: Jinja, then YAML."""
        return load_yaml(self.render_text(path))


def render_pillar(path):
    """A pillar file, rendered as Salt renders pillar files (Jinja, YAML)."""
    path = pathlib.Path(path)
    return SaltRenderer(path.parent, {}).render(path.name)


class State:
    """One state of a rendered sls: ID, module.function and its arguments."""

    def __init__(self, state_id, function, arguments):
        self.id = state_id
        self.function = function
        self.module = function.split(".", 1)[0]
        self.arguments = arguments  # name -> value, in order

    @property
    def name(self):
        return self.arguments.get("name", self.id)

    def __repr__(self):
        return f"{self.id} ({self.function})"


def parse_states(data):
    """The states of rendered sls DATA, in order. Raises ValueError for a
    structure Salt would not accept (or the formula does not use)."""
    if not isinstance(data, dict):
        raise ValueError(f"an sls must be a mapping of state IDs, not {type(data).__name__}")
    states = []
    for state_id, body in data.items():
        if not isinstance(state_id, str):
            raise ValueError(f"state ID {state_id!r} is not a string")
        if not isinstance(body, dict) or len(body) != 1:
            raise ValueError(f"{state_id}: expected exactly one module.function")
        (function, arguments), = body.items()
        if not isinstance(function, str) or function.count(".") != 1:
            raise ValueError(f"{state_id}: {function!r} is not module.function")
        if arguments is None:
            arguments = []
        if not isinstance(arguments, list):
            raise ValueError(f"{state_id}: arguments of {function} must be a list")
        parsed = {}
        for argument in arguments:
            if not isinstance(argument, dict) or len(argument) != 1:
                raise ValueError(f"{state_id}: argument {argument!r} is not `- key: value`")
            (key, value), = argument.items()
            if key in parsed:
                raise ValueError(f"{state_id}: argument {key} given twice")
            parsed[key] = value
        states.append(State(state_id, function, parsed))
    return states
