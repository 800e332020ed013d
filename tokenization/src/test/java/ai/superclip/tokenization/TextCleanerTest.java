package ai.superclip.tokenization;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** open_clip's cleaning before BPE: Python's html.unescape exactly, whitespace as str.split(), ftfy's simple fixes. */
class TextCleanerTest {

    /** Input and CPython 3.11's {@code html.unescape} of it (computed with CPython, pasted here). */
    private static final String[][] HTML_UNESCAPE = {
        {"&amp;", "&"},
        {"fish &amp; chips", "fish & chips"},
        {"&amp;amp;", "&amp;"},
        {"&lt;b&gt;", "<b>"},
        {"&#39;s", "'s"},
        {"&#x27;", "'"},
        {"&#X41;&#65", "AA"},
        {"&#0;", "\ufffd"},
        {"&#128;", "\u20ac"},
        {"&#x81;", "\u0081"},
        {"&#xD800;", "\ufffd"},
        {"&#1114112;", "\ufffd"},
        {"&#99999999999999999999;", "\ufffd"},
        {"&#1;", ""},
        {"&#xFFFF;", ""},
        {"&#13;", "\r"},
        {"&ampfoo", "&foo"},
        {"&amp bar", "& bar"},
        {"&copy2024", "\u00a92024"},
        {"&notin;", "\u2209"},
        {"&notit;", "\u00acit;"},
        {"&nbsp", "\u00a0"},
        {"&hellip;", "\u2026"},
        {"&unknown;", "&unknown;"},
        {"&", "&"},
        {"& ", "& "},
        {"&#", "&#"},
        {"&#x;", "&#x;"},
        {"&AMP;", "&"},
        {"&Eacute", "\u00c9"},
        {"AT&T", "AT&T"},
        {"&apos;", "'"},
        {"&eacute;&egrave;", "\u00e9\u00e8"},
    };

    @Test
    void htmlUnescapeIsPythons() {
        for (String[] c : HTML_UNESCAPE) {
            assertEquals(c[1], TextCleaner.htmlUnescape(c[0]), c[0]);
        }
    }

    @Test
    void whitespaceIsPythonsStrSplit() {
        String python = "\t\n\u000b\f\r\u001c\u001d\u001e\u001f \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
                + "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000";
        for (char c = 0; c < Character.MAX_VALUE; c++) {
            assertEquals(python.indexOf(c) >= 0, TextCleaner.isPythonSpace(c), "U+" + Integer.toHexString(c));
        }
        assertEquals("a b c", TextCleaner.clean("  a \u00a0\u2003 b\n\n\tc  "));
    }

    @Test
    void cleansAsBasicCleanThenWhitespaceClean() {
        assertEquals("fish & chips", TextCleaner.clean("fish &amp; chips"));
        // ftfy unescapes ';'-terminated references until nothing changes, but not in text with '<'; then open_clip
        // unescapes twice more
        assertEquals("&", TextCleaner.clean("&amp;amp;amp;amp;"));
        assertEquals("<i>&amp;</i>", TextCleaner.clean("<i>&amp;amp;amp;</i>"));
        assertEquals("fish", TextCleaner.clean("\ufb01sh")); // Latin ligature
        assertEquals("Hello, 1", TextCleaner.clean("\uff28\uff45\uff4c\uff4c\uff4f\uff0c\u30001")); // full width
        assertEquals("\"quoted\" it's", TextCleaner.clean("\u201cquoted\u201d it\u2019s"));
        assertEquals("\"hi\"", TextCleaner.clean("\u0093hi\u0094")); // C1 controls read as Windows-1252
        assertEquals("red", TextCleaner.clean("\u001b[31mred\u001b[0m")); // terminal escapes
        assertEquals("ab", TextCleaner.clean("a\u0000\ufeffb")); // control characters
        assertEquals("\u00e9", TextCleaner.clean("e\u0301")); // NFC
    }

    @Test
    void tokenizerCleansBeforeBpe() {
        try (ClipTokenizer clip = ClipTokenizer.clip()) {
            assertArrayEquals(new long[] {261}, clip.tokenIds("&amp;"));
            assertArrayEquals(clip.tokenIds("fish & chips"), clip.tokenIds(" fish &amp;amp; chips\n"));
        }
    }
}
