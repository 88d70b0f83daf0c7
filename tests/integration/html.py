"""Parse HTML in tests instead of matching substrings."""

from __future__ import annotations

from html.parser import HTMLParser


class Node:
    """One element: tag, attributes, children and text."""

    def __init__(self, tag: str, attrs: dict[str, str], parent: Node | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node] = []
        self.parts: list[str] = []

    @property
    def text(self) -> str:
        """All text inside, whitespace collapsed."""
        out: list[str] = []
        self._collect(out)
        return " ".join("".join(out).split())

    def _collect(self, out: list[str]) -> None:
        for part in self.parts:
            if isinstance(part, Node):
                part._collect(out)
            else:
                out.append(part)

    def iter(self) -> list[Node]:
        """This node and every descendant, in document order."""
        found = [self]
        for child in self.children:
            found.extend(child.iter())
        return found

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Node]:
        """Descendants with `tag` whose attributes include `attrs`
        (``class_`` matches one class; ``data_x`` means ``data-x``)."""
        out = []
        for node in self.iter()[1:]:
            if tag and node.tag != tag:
                continue
            if all(_attr_matches(node, k, v) for k, v in attrs.items()):
                out.append(node)
        return out

    def find(self, tag: str | None = None, **attrs: str) -> Node | None:
        found = self.find_all(tag, **attrs)
        return found[0] if found else None


def _attr_matches(node: Node, key: str, value: str) -> bool:
    if key == "class_":
        return value in node.attrs.get("class", "").split()
    return node.attrs.get(key.replace("_", "-")) == value


VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {}, None)
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, self.current)
        self.current.children.append(node)
        self.current.parts.append(node)  # type: ignore[arg-type]
        if tag not in VOID:
            self.current = node

    def handle_endtag(self, tag: str) -> None:
        node: Node | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.parts.append(data)


def parse(html: str) -> Node:
    """The document tree of `html`."""
    parser = _Parser()
    parser.feed(html)
    parser.close()
    return parser.root
