# ruff: noqa: E501
"""The report's Jinja2 template (self-contained HTML with print CSS)."""

TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Case {{ case.case }}: hash triage report</title>
<style>
body { font: 11pt/1.4 system-ui, sans-serif; margin: 2em; color: #111; }
h1 { font-size: 18pt; } h2 { font-size: 14pt; border-bottom: 1px solid #999; margin-top: 1.6em; }
table { border-collapse: collapse; margin: .5em 0; width: 100%; }
th, td { border: 1px solid #bbb; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #eee; } td.n { text-align: right; } .mono { font-family: monospace; font-size: 9pt; word-break: break-all; }
img.thumb { width: 64px; filter: grayscale(100%) blur(3px); }
.note { color: #444; font-size: 10pt; } td.none { color: #444; font-style: italic; }
@media print {
  body { margin: 0; font-size: 10pt; } h2 { page-break-after: avoid; }
  tr { page-break-inside: avoid; } a { color: inherit; text-decoration: none; }
  @page { size: A4; margin: 15mm; }
}
</style></head><body>
<h1>Case {{ case.case }}: hash triage report</h1>
<p>Scheme <b>{{ case.scheme }}</b>. Created {{ case.created_at }} by {{ case.created_by }}.
Report made {{ made_at }} with Brightline {{ version }}.</p>

<h2>Summary</h2>
<table><tr><th></th><th>files</th><th>distinct (SHA-1)</th></tr>
<tr><td>all files</td><td class="n">{{ case.files }}</td><td class="n">{{ case.unique }}</td></tr>
{% for cat, c in case.known.items() %}<tr><td>known, category {{ cat }}</td><td class="n">{{ c.files }}</td><td class="n">{{ c.unique }}</td></tr>
{% endfor %}{% for cat, c in case.suggested.items() %}<tr><td>suggested (for review), category {{ cat }}</td><td class="n">{{ c.files }}</td><td class="n">{{ c.unique }}</td></tr>
{% endfor %}<tr><td>unknown images and videos</td><td class="n">{{ case.unknown.files }}</td><td class="n">{{ case.unknown.unique }}</td></tr>
<tr><td>other files</td><td class="n">{{ case.other.files }}</td><td class="n">{{ case.other.unique }}</td></tr>
<tr><td>could not be read</td><td class="n">{{ case.errors }}</td><td></td></tr>
<tr><td>of which deleted files recovered</td><td class="n">{{ case.deleted }}</td><td></td></tr>
</table>

<h2>Exhibits</h2>
<table><tr><th>exhibit</th><th>source</th><th>kind</th><th>state</th><th>files</th><th>distinct</th>
<th>known</th><th>suggested</th><th>errors</th></tr>
{% for ex in case.exhibits %}<tr><td>{{ ex.exhibit }}</td><td class="mono">{{ ex.path }}</td><td>{{ ex.kind }}</td>
<td>{{ ex.state }}</td><td class="n">{{ ex.files }}</td><td class="n">{{ ex.unique }}</td>
<td>{% for cat, c in ex.known.items() if c.files %}{{ cat }}: {{ c.files }} ({{ c.unique }})<br>{% endfor %}</td>
<td>{% for cat, c in ex.suggested.items() if c.files %}{{ cat }}: {{ c.files }} ({{ c.unique }})<br>{% endfor %}</td>
<td class="n">{{ ex.errors }}</td></tr>
{% else %}<tr><td colspan="9" class="none">none</td></tr>
{% endfor %}</table>

<h2>Method</h2>
<p>Every file of each exhibit was read without being changed (disk images through The
Sleuth Kit, including deleted files whose content could still be recovered; archives
opened in place, to {{ max_depth }} levels). For each file MD5, SHA-1 and SHA-256 were
computed, and Meta's PDQ perceptual hash for pictures. A file is <b>known</b> when one of
its MD5, SHA-1 or SHA-256 digests is on a list below: the list's category is the file's.
It is <b>suggested</b> when only its PDQ hash is within the list's threshold of a listed
one: its category is then a suggestion that a person must confirm. Categories from a list
whose scheme differs from the case's are shown as <i>scheme:category</i> and never mapped.
Copies are counted by SHA-1 ("distinct").</p>
<table><tr><th>list</th><th>scheme</th><th>entries</th><th>revision</th><th>PDQ threshold</th></tr>
{% for name, l in lists.items() %}<tr><td>{{ name }}</td><td>{{ l.scheme }}</td><td class="n">{{ l.entries }}</td>
<td class="n">{{ l.revision }}</td><td class="n">{{ l.pdq_threshold }}</td></tr>
{% else %}<tr><td colspan="5" class="none">none</td></tr>{% endfor %}</table>

<h2>Known and suggested files</h2>
<p class="note">Thumbnails are reduced, blurred and greyscale on purpose.</p>
<table><tr><th></th><th>exhibit</th><th>path</th><th>status</th><th>category</th><th>match</th><th>SHA-1</th><th>copies</th></tr>
{% for f in matched %}<tr><td>{% if f.thumb %}<img class="thumb" alt="" src="data:image/jpeg;base64,{{ f.thumb }}">{% endif %}</td>
<td>{{ f.exhibit }}</td><td class="mono">{{ f.path }}{% if f.deleted %} (deleted){% endif %}{% for t, v in f.other_signals.items() %}<br>{{ t }} {{ v }}{% endfor %}</td><td>{{ f.status }}</td><td>{{ f.category }}</td>
<td>{% for m in f.matches %}{{ m.list }} #{{ m.entry }} {{ m.signal_type }}{% if m.signal_type == "pdq" %} d={{ m.distance }}{% endif %}<br>{% endfor %}</td>
<td class="mono">{{ f.sha1 }}</td><td class="n">{{ f.copies }}</td></tr>
{% else %}<tr><td colspan="8" class="none">none</td></tr>
{% endfor %}</table>

<h2>Files that could not be read</h2>
<table><tr><th>exhibit</th><th>path</th><th>reason</th></tr>
{% for f in errors %}<tr><td>{{ f.exhibit }}</td><td class="mono">{{ f.path }}</td><td>{{ f.error.code }}: {{ f.error.message }}</td></tr>
{% else %}<tr><td colspan="3" class="none">none</td></tr>
{% endfor %}</table>
</body></html>
"""
