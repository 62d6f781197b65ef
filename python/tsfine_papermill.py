"""papermill with a TypeScript parameter translator, for notebooks on the tsfine kernel.

papermill ships translators only for the languages it knows and loads no translator plugins,
so this module registers one for "typescript" and then runs papermill's own command line:

    python -m tsfine_papermill IN.ipynb OUT.ipynb -p epochs 3 -k tsfine

Injected parameters become `const name = value;` lines; tsfine allows a later cell to
redeclare a const, so they replace the defaults in the cell tagged `parameters`.
"""
import json
import sys

from papermill.translators import Translator, papermill_translators


class TypeScriptTranslator(Translator):
    @classmethod
    def translate_none(cls, val):
        return "null"

    @classmethod
    def translate_bool(cls, val):
        return "true" if val else "false"

    @classmethod
    def translate_escaped_str(cls, str_val):
        return json.dumps(str_val)

    @classmethod
    def translate_dict(cls, val):
        return "{" + ", ".join(f"{json.dumps(str(k))}: {cls.translate(v)}" for k, v in val.items()) + "}"

    @classmethod
    def translate_list(cls, val):
        return "[" + ", ".join(cls.translate(v) for v in val) + "]"

    @classmethod
    def comment(cls, cmt_str):
        return f"// {cmt_str}".strip()

    @classmethod
    def assign(cls, name, str_val):
        return f"const {name} = {str_val};"


papermill_translators.register("typescript", TypeScriptTranslator)
papermill_translators.register("tsfine", TypeScriptTranslator)


def main():
    from papermill.cli import papermill

    papermill(prog_name="tsfine_papermill")


if __name__ == "__main__":
    sys.exit(main())
