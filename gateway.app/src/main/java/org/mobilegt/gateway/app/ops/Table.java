package org.mobilegt.gateway.app.ops;

import java.util.ArrayList;
import java.util.List;

/** A text table with aligned columns; columns whose header starts with '>' are right-aligned. */
public final class Table {

	private final String[] headers;
	private final boolean[] right;
	private final List<String[]> rows = new ArrayList<>();

	public Table(String... headers) {
		this.headers = new String[headers.length];
		this.right = new boolean[headers.length];
		for (int i = 0; i < headers.length; i++) {
			right[i] = headers[i].startsWith(">");
			this.headers[i] = right[i] ? headers[i].substring(1) : headers[i];
		}
	}

	public Table row(Object... cells) {
		String[] r = new String[headers.length];
		for (int i = 0; i < r.length; i++) {
			r[i] = i < cells.length && cells[i] != null ? String.valueOf(cells[i]) : "-";
		}
		rows.add(r);
		return this;
	}

	@Override
	public String toString() {
		int[] width = new int[headers.length];
		for (int i = 0; i < headers.length; i++) {
			width[i] = headers[i].length();
			for (String[] r : rows) {
				width[i] = Math.max(width[i], r[i].length());
			}
		}
		StringBuilder sb = new StringBuilder();
		line(sb, headers, width);
		for (String[] r : rows) {
			line(sb, r, width);
		}
		return sb.toString();
	}

	private void line(StringBuilder sb, String[] cells, int[] width) {
		StringBuilder l = new StringBuilder();
		for (int i = 0; i < cells.length; i++) {
			String pad = " ".repeat(width[i] - cells[i].length());
			l.append(right[i] ? pad + cells[i] : cells[i] + (i < cells.length - 1 ? pad : "")).append(i < cells.length - 1 ? "  " : "");
		}
		sb.append(l.toString().stripTrailing()).append('\n');
	}
}
