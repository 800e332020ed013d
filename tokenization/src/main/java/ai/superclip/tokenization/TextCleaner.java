package ai.superclip.tokenization;

import java.math.BigInteger;
import java.text.Normalizer;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.text.translate.EntityArrays;

/**
 * The text cleaning open_clip's tokenizers apply before BPE ({@code tokenizer.py}):
 * {@code whitespace_clean(basic_clean(text))}, where {@code basic_clean} is {@code ftfy.fix_text}, then
 * {@code html.unescape} twice, then {@code strip}, and {@code whitespace_clean} joins the words of
 * {@code str.split()} with single spaces.
 *
 * <p>HTML unescaping and whitespace follow Python's definitions exactly ({@code html.unescape}: numeric
 * references with or without ';', the HTML5 rules for invalid code points, named references, the legacy names
 * without ';' by longest prefix), with the entity names of Apache Commons Text (HTML 4, which holds all the
 * legacy names). Of {@code ftfy.fix_text}, the fixes that need no statistical model are applied, repeated until
 * the text no longer changes as ftfy does: its HTML unescaping (';'-terminated references, only when the text has
 * no '<'), terminal escapes removed, C1 controls read as Windows-1252, Latin ligatures split, full-width
 * characters narrowed, curly quotes straightened, control characters removed; then NFC. What remains different is
 * listed in this module's README (chiefly: mojibake is not repaired).
 */
public final class TextCleaner {

    /** Python's html.unescape pattern: numeric references, and names of up to 32 characters. */
    private static final Pattern CHARACTER_REFERENCE =
            Pattern.compile("&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\\t\\n\\f <&#;]{1,32};?)");
    /** ftfy's HTML_ENTITY_RE: ';'-terminated references only. */
    private static final Pattern FTFY_REFERENCE = Pattern.compile("&#?[0-9A-Za-z]{1,24};");
    private static final Pattern TERMINAL_ESCAPE = Pattern.compile("\u001b\\[((?:\\d|;)*)([a-zA-Z])");
    /** Named references by name, with ';' (all) and without (the legacy names), as in html.entities.html5. */
    private static final Map<String, String> ENTITIES = entities();
    /** Python's _invalid_charrefs: code points HTML5 maps to other characters (Windows-1252 for 0x80-0x9F). */
    private static final Map<Integer, String> INVALID_CHARACTER_REFERENCES = invalidCharacterReferences();
    /** The ligatures ftfy splits (chardata.LIGATURES). */
    private static final String LIGATURES = "ĲĳŉǇǈǉǊǋǌǱǲǳﬀﬁﬂﬃﬄﬅﬆ";

    private TextCleaner() {
    }

    /** The cleaned caption: what open_clip's tokenizer hands to BPE (before lower-casing). */
    public static String clean(String text) {
        if (isPlainAscii(text)) { // nothing for ftfy, NFC or html.unescape to change: only the whitespace
            return joinWords(text);
        }
        String fixed = text;
        for (String previous = null; !fixed.equals(previous);) {
            previous = fixed;
            fixed = fixTextStep(fixed);
        }
        fixed = Normalizer.normalize(fixed, Normalizer.Form.NFC);
        return joinWords(htmlUnescape(htmlUnescape(fixed)));
    }

    /** Printable ASCII and the whitespace ftfy keeps (tab, line feed, form feed, carriage return), without '&'. */
    private static boolean isPlainAscii(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean printable = c >= 0x20 && c <= 0x7e && c != '&';
            if (!printable && c != '\t' && c != '\n' && c != '\f' && c != '\r') {
                return false;
            }
        }
        return true;
    }

    /** One pass of the fixes of ftfy.fix_text this class applies, in ftfy's order. */
    private static String fixTextStep(String text) {
        String t = text.indexOf('<') < 0 && text.indexOf('&') >= 0 ? ftfyUnescape(text) : text;
        if (t.indexOf('\u001b') >= 0) {
            t = TERMINAL_ESCAPE.matcher(t).replaceAll("");
        }
        StringBuilder out = new StringBuilder(t.length());
        t.codePoints().forEach(c -> {
            if (c >= 0x80 && c <= 0x9f) { // fix_c1_controls: sloppy Windows-1252
                out.append(INVALID_CHARACTER_REFERENCES.get(c));
            } else if (LIGATURES.indexOf(c) >= 0) {
                out.append(Normalizer.normalize(Character.toString(c), Normalizer.Form.NFKC));
            } else if (c == 0x3000) { // fix_character_width
                out.append(' ');
            } else if (c >= 0xff01 && c < 0xfff0) {
                out.append(Normalizer.normalize(Character.toString(c), Normalizer.Form.NFKC));
            } else if (c == 0x02bc || (c >= 0x2018 && c <= 0x201b)) { // uncurl_quotes
                out.append('\'');
            } else if (c >= 0x201c && c <= 0x201f) {
                out.append('"');
            } else if (!isFtfyControl(c)) { // remove_control_chars
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }

    /** ftfy's control-character table: removed. */
    private static boolean isFtfyControl(int c) {
        return c <= 0x08 || c == 0x0b || (c >= 0x0e && c <= 0x1f) || c == 0x7f || (c >= 0x206a && c <= 0x206f)
                || c == 0xfeff || (c >= 0xfff9 && c <= 0xfffc);
    }

    /** ftfy's unescape_html: a ';'-terminated name, or a numeric reference whose value holds no ';'. */
    private static String ftfyUnescape(String text) {
        return replace(FTFY_REFERENCE.matcher(text), reference -> {
            if (reference.startsWith("&#")) {
                String value = htmlUnescape(reference);
                return value.indexOf(';') >= 0 ? reference : value;
            }
            String value = ENTITIES.get(reference.substring(1));
            return value != null ? value : reference;
        });
    }

    /** Python's {@code html.unescape}. */
    static String htmlUnescape(String text) {
        if (text.indexOf('&') < 0) {
            return text;
        }
        return replace(CHARACTER_REFERENCE.matcher(text), reference -> {
            String s = reference.substring(1);
            if (s.charAt(0) == '#') {
                boolean hex = s.charAt(1) == 'x' || s.charAt(1) == 'X';
                String digits = s.substring(hex ? 2 : 1).replaceAll(";$", "");
                return numericReference(new BigInteger(digits, hex ? 16 : 10));
            }
            String value = ENTITIES.get(s);
            if (value != null) {
                return value;
            }
            for (int x = s.length() - 1; x > 1; x--) { // the longest legacy name that prefixes it
                value = ENTITIES.get(s.substring(0, x));
                if (value != null) {
                    return value + s.substring(x);
                }
            }
            return reference;
        });
    }

    private static String numericReference(BigInteger number) {
        if (number.compareTo(BigInteger.valueOf(0x10ffff)) > 0) {
            return "\ufffd";
        }
        int c = number.intValue();
        String invalid = INVALID_CHARACTER_REFERENCES.get(c);
        if (invalid != null) {
            return invalid;
        }
        if (c >= 0xd800 && c <= 0xdfff) {
            return "\ufffd";
        }
        boolean invalidCodePoint = (c >= 0x1 && c <= 0x8) || (c >= 0xe && c <= 0x1f) || (c >= 0x7f && c <= 0x9f)
                || (c >= 0xfdd0 && c <= 0xfdef) || c == 0xb || (c & 0xfffe) == 0xfffe;
        return invalidCodePoint ? "" : Character.toString(c);
    }

    /** {@code " ".join(text.split())}: Python's whitespace (str.isspace) separates the words. */
    private static String joinWords(String text) {
        StringBuilder out = new StringBuilder(text.length());
        boolean pendingSpace = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (isPythonSpace(c)) {
                pendingSpace = out.length() > 0;
            } else {
                if (pendingSpace) {
                    out.append(' ');
                    pendingSpace = false;
                }
                out.append(c);
            }
        }
        return out.toString();
    }

    /** Python's str.isspace for one character (every such character is in the BMP). */
    static boolean isPythonSpace(char c) {
        return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20) || c == 0x85 || c == 0xa0 || c == 0x1680
                || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f
                || c == 0x3000;
    }

    private static String replace(Matcher m, java.util.function.UnaryOperator<String> replacement) {
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(replacement.apply(m.group())));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static Map<String, String> entities() {
        Map<String, String> byName = new HashMap<>();
        for (Map<CharSequence, CharSequence> table : Set.of(EntityArrays.BASIC_UNESCAPE, EntityArrays.APOS_UNESCAPE,
                EntityArrays.ISO8859_1_UNESCAPE, EntityArrays.HTML40_EXTENDED_UNESCAPE)) {
            table.forEach((entity, value) -> byName.put(entity.subSequence(1, entity.length()).toString(), value.toString()));
        }
        // The legacy names, which HTML5 also reads without ';': Latin-1's, the basic four, and upper-case variants.
        Map<String, String> legacy = new HashMap<>();
        EntityArrays.ISO8859_1_UNESCAPE.forEach((entity, value) -> legacy.put(name(entity), value.toString()));
        EntityArrays.BASIC_UNESCAPE.forEach((entity, value) -> legacy.put(name(entity), value.toString()));
        for (String upper : new String[] {"AMP", "COPY", "GT", "LT", "QUOT", "REG"}) {
            legacy.put(upper, byName.get(upper.toLowerCase(java.util.Locale.ROOT) + ";"));
        }
        legacy.forEach((name, value) -> {
            byName.put(name, value);
            byName.put(name + ";", value);
        });
        return Map.copyOf(byName);
    }

    /** "&amp;" to "amp". */
    private static String name(CharSequence entity) {
        return entity.subSequence(1, entity.length() - 1).toString();
    }

    private static Map<Integer, String> invalidCharacterReferences() {
        Map<Integer, String> m = new HashMap<>();
        m.put(0x00, "\ufffd");
        m.put(0x0d, "\r");
        String windows1252 = "\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d"
                + "\u017d\u008f\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d"
                + "\u017e\u0178";
        for (int i = 0; i < windows1252.length(); i++) {
            m.put(0x80 + i, String.valueOf(windows1252.charAt(i)));
        }
        return Map.copyOf(m);
    }
}
