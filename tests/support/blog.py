"""A small WordPress-like blog written as files: an RSS feed of posts, an Atom comment feed
per post (threaded with `thr:in-reply-to`), and a sources.yml entry that reads it offline.

For tests that need hostile comments (markup, `javascript:` links) to go through the real
extractor, NLP and views, which a hand-written fixture could not show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Comment:
    number: int
    author: str
    published: str  # ISO 8601 with its offset, as WordPress writes it
    text: str  # plain text: markup in it is shown to readers as characters
    reply_to: int | None = None  # the number of the comment it answers


@dataclass(frozen=True)
class Post:
    slug: str
    title: str
    link: str
    published: str  # RFC 822, as RSS wants it
    comments: list[Comment] = field(default_factory=list)


def _comment_entry(site: str, post_guid: str, post: Post, comment: Comment) -> str:
    parent = f"{post_guid}#comment-{comment.reply_to}" if comment.reply_to else post_guid
    # Comment content is HTML, itself escaped inside the XML: the text is escaped twice.
    content = escape(f"<p>{escape(comment.text, quote=False)}</p>", quote=False)
    return f"""
  <entry>
    <title>Par : {escape(comment.author)}</title>
    <link rel="alternate" href="{escape(site)}/{post.slug}/#comment-{comment.number}"/>
    <author><name>{escape(comment.author)}</name></author>
    <id>{post_guid}#comment-{comment.number}</id>
    <updated>{comment.published}</updated>
    <published>{comment.published}</published>
    <content type="html">{content}</content>
    <thr:in-reply-to ref="{parent}" type="text/html"/>
  </entry>"""


def write_blog(folder: Path, site: str, owner: str, posts: list[Post]) -> Path:
    """Write the feeds under `folder`; returns the path of the posts feed."""
    folder.mkdir(parents=True, exist_ok=True)
    items = []
    for number, post in enumerate(posts, start=1):
        guid = f"{site}/?p={number}"
        entries = "".join(_comment_entry(site, guid, post, c) for c in post.comments)
        (folder / f"{post.slug}.comments.atom").write_text(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<feed xmlns="http://www.w3.org/2005/Atom" '
            'xmlns:thr="http://purl.org/syndication/thread/1.0" xml:lang="fr-FR">\n'
            f"  <title>Commentaires sur : {escape(post.title)}</title>\n"
            f"  <id>{guid}/comments</id>{entries}\n</feed>\n",
            encoding="utf-8",
        )
        items.append(f"""
    <item>
      <title>{escape(post.title)}</title>
      <link>{escape(post.link)}</link>
      <dc:creator>{escape(owner)}</dc:creator>
      <pubDate>{post.published}</pubDate>
      <guid isPermaLink="false">{guid}</guid>
      <description>{escape(post.title)}</description>
      <wfw:commentRss>{post.slug}.comments.atom</wfw:commentRss>
    </item>""")
    feed = folder / "feed.xml"
    feed.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:wfw="http://wellformedweb.org/CommentAPI/">\n'
        f"  <channel>\n    <title>{escape(site)}</title>\n    <link>{escape(site)}/</link>\n"
        f"    <language>fr-FR</language>{''.join(items)}\n  </channel>\n</rss>\n",
        encoding="utf-8",
    )
    return feed


def source_entry(source_id: str, feed: Path, owner: str) -> dict[str, Any]:
    """The blog as one `sources:` entry of a sources.yml."""
    return {"id": source_id, "kind": "rss", "url": str(feed), "owners": [owner]}
