#!/usr/bin/python3
"""Check a Prometheus text exposition (format 0.0.4) line by line, then with
the Prometheus project's own parser (Debian's python3-prometheus-client).

    prom_check.py FILE            prints "ok" or the first problems, exit 0/1
    prom_check.py FILE SERIES     prints the value of one series, e.g.
                                  'center_http_requests_total{method="GET",route="/login",status="200"}'
                                  (labels in the order the program prints them), or "absent"

Line rules (https://prometheus.io/docs/instrumenting/exposition_formats/):
"# HELP name text", "# TYPE name counter|gauge|histogram|summary|untyped",
or "name{label="value",...} value" with valid names, escaped label values and
a float value; each family's lines form one group after its TYPE; no series
twice; histograms: cumulative buckets ending with le="+Inf" equal to _count.
"""
import math
import re
import sys

NAME = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
SAMPLE = re.compile(r'^(' + NAME + r')(\{(?:' + LABEL + r')(?:,' + LABEL + r')*\})? (\S+)$')
HELP = re.compile(r'^# HELP (' + NAME + r') (.*)$')
TYPE = re.compile(r'^# TYPE (' + NAME + r') (counter|gauge|histogram|summary|untyped)$')


def family_of(name, types):
    for suffix in ('_bucket', '_sum', '_count'):
        base = name[:-len(suffix)]
        if name.endswith(suffix) and types.get(base) == 'histogram':
            return base
    return name


def value(text):
    if text in ('+Inf', '-Inf', 'NaN'):
        return float(text.replace('Inf', 'inf').replace('NaN', 'nan'))
    return float(text)


def check(lines):
    problems, types, seen, done, series = [], {}, set(), set(), {}
    current = None
    hist = {}
    for n, line in enumerate(lines, 1):
        if line == '':
            problems.append(f'line {n}: empty line')
            continue
        m = HELP.match(line) or TYPE.match(line)
        if line.startswith('#'):
            if m is None:
                problems.append(f'line {n}: bad comment: {line!r}')
                continue
            fam = m.group(1)
            if fam != current and fam in done:
                problems.append(f'line {n}: family {fam} appears again after another family')
            if current is not None and fam != current:
                done.add(current)
            current = fam
            if line.startswith('# TYPE'):
                if fam in types:
                    problems.append(f'line {n}: second TYPE for {fam}')
                types[fam] = m.group(2)
            continue
        m = SAMPLE.match(line)
        if m is None:
            problems.append(f'line {n}: not a sample: {line!r}')
            continue
        name, labels, text = m.group(1), m.group(2) or '', m.group(3)
        fam = family_of(name, types)
        if fam not in types:
            problems.append(f'line {n}: {name} has no TYPE before it')
        if fam != current:
            if fam in done:
                problems.append(f'line {n}: family {fam} appears again after another family')
            if current is not None:
                done.add(current)
            current = fam
        try:
            v = value(text)
        except ValueError:
            problems.append(f'line {n}: value {text!r} is not a float')
            continue
        key = name + labels
        if key in series:
            problems.append(f'line {n}: series {key} twice')
        series[key] = v
        if types.get(fam) == 'counter' and (v < 0 or math.isnan(v)):
            problems.append(f'line {n}: counter {key} is {v}')
        if name.endswith('_bucket') and types.get(fam) == 'histogram':
            le = re.search(r'(?:^\{|,)le="([^"]*)"', labels)
            rest = re.sub(r',?le="[^"]*"', '', labels).replace('{,', '{')
            rest = '' if rest == '{}' else rest
            if le is None:
                problems.append(f'line {n}: bucket without le')
                continue
            h = hist.setdefault(fam + rest, [])
            if h and v < h[-1][1]:
                problems.append(f'line {n}: bucket {key} is below the previous one')
            h.append((le.group(1), v))
    for key, buckets in hist.items():
        fam, rest = key.split('{', 1) if '{' in key else (key, '')
        count = series.get(fam + '_count' + ('{' + rest if rest else ''))
        if buckets[-1][0] != '+Inf':
            problems.append(f'{key}: last bucket is not le="+Inf"')
        elif count is None or count != buckets[-1][1]:
            problems.append(f'{key}: le="+Inf" is {buckets[-1][1]}, _count is {count}')
    return problems, series


def main():
    text = open(sys.argv[1], encoding='utf-8').read()
    if not text.endswith('\n'):
        print('the exposition does not end with a newline')
        return 1
    problems, series = check(text[:-1].split('\n'))
    if len(sys.argv) > 2:
        v = series.get(sys.argv[2])
        print('absent' if v is None else ('%d' % v if v == int(v) else repr(v)))
        return 0
    try:
        from prometheus_client.parser import text_string_to_metric_families
        families = list(text_string_to_metric_families(text))
        if not families:
            problems.append('the official parser found no family')
    except Exception as e:  # the parser raises ValueError and friends
        problems.append(f'prometheus_client parser: {e}')
    if problems:
        print('\n'.join(problems[:20]))
        return 1
    print('ok')
    return 0


if __name__ == '__main__':
    sys.exit(main())
