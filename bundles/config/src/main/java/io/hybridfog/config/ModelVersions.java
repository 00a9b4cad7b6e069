package io.hybridfog.config;

import java.util.Comparator;

/**
 * Orders model versions ({@code HybridFog-Model-Version}) like {@code 1.2.10 > 1.2.9 > 1.2}: dot/dash separated
 * parts, numeric parts compared as numbers, other parts as strings, a numeric part above a textual one, a longer
 * version above its prefix.
 */
public final class ModelVersions {
    public static final Comparator<String> ORDER = ModelVersions::compare;

    private ModelVersions() {
    }

    public static int compare(String a, String b) {
        String[] pa = a.split("[.\\-]");
        String[] pb = b.split("[.\\-]");
        for (int i = 0; i < Math.min(pa.length, pb.length); i++) {
            int c = comparePart(pa[i], pb[i]);
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(pa.length, pb.length);
    }

    private static int comparePart(String x, String y) {
        boolean nx = isNumber(x);
        boolean ny = isNumber(y);
        if (nx && ny) {
            int c = Integer.compare(x.replaceFirst("^0+(?=.)", "").length(), y.replaceFirst("^0+(?=.)", "").length());
            return c != 0 ? c : x.replaceFirst("^0+(?=.)", "").compareTo(y.replaceFirst("^0+(?=.)", ""));
        }
        if (nx != ny) {
            return nx ? 1 : -1;
        }
        return x.compareTo(y);
    }

    private static boolean isNumber(String s) {
        return !s.isEmpty() && s.chars().allMatch(Character::isDigit);
    }
}
