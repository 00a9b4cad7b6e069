package io.hybridfog.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Plain JUnit (no OSGi): docs/configuration.md, the users' reference of every configuration PID, says what the
 * bundles accept. The source of truth is the metatype that bnd generates into each bundle
 * ({@code OSGI-INF/metatype/*.xml}) from the components' {@code @ObjectClassDefinition} interfaces, the same
 * interfaces the components read their configuration through. Both sides must name the same PIDs, each with the same
 * keys and the same defaults; a key missing from either side, an extra one or a different default fails, naming it.
 */
public class ConfigurationReferenceTest {
    private static final String BUNDLE_PROPERTY_PREFIX = "bundle.hybridfog-";

    /** One key of one PID: its default, "" when it has none. */
    record Key(String pid, String key, String defaultValue) {
    }

    @Test
    public void docsListEveryPidKeyAndDefaultOfTheBundlesMetatype() throws Exception {
        Map<String, Map<String, String>> metatype = metatypeOfTheBundles();
        assertFalse("no metatype found in the bundles (system properties " + BUNDLE_PROPERTY_PREFIX + "*)", metatype.isEmpty());
        Path doc = Path.of(System.getProperty("hybridfog.itest.docs", "../../docs"), "configuration.md");
        assertTrue(doc + " is missing", Files.isRegularFile(doc));
        Map<String, Map<String, String>> documented = documentedPids(Files.readString(doc, StandardCharsets.UTF_8));

        List<String> problems = compare(metatype, documented);
        assertEquals(doc + " differs from the bundles' metatype (OSGI-INF/metatype/*.xml):\n  "
                + String.join("\n  ", problems), 0, problems.size());
    }

    @Test
    public void aMissingOrExtraKeyOrAnotherDefaultIsFound() {
        Map<String, Map<String, String>> metatype = Map.of("p", Map.of("a.b", "1", "c", ""));
        assertEquals(List.of(), compare(metatype, Map.of("p", Map.of("a.b", "1", "c", ""))));
        assertEquals(List.of("io.hybridfog.x: PID in the bundles, not in the docs"),
                compare(Map.of("io.hybridfog.x", Map.of()), Map.of()));
        assertEquals(List.of("p: key c in the bundles, not in the docs"), compare(metatype, Map.of("p", Map.of("a.b", "1"))));
        assertEquals(List.of("p: key d in the docs, not in the bundles"),
                compare(metatype, Map.of("p", Map.of("a.b", "1", "c", "", "d", "2"))));
        assertEquals(List.of("p: key a.b has default '1' in the bundles, '2' in the docs"),
                compare(metatype, Map.of("p", Map.of("a.b", "2", "c", ""))));
    }

    @Test
    public void tablesAreReadUnderTheirPidHeadings() {
        String md = "# Configuration\n\nintro\n\n### `io.hybridfog.a`\n\ntext | not a table\n\n"
                + "| key | type | default | meaning |\n|---|---|---|---|\n"
                + "| `x.y` | Integer | `30` | seconds, 0..65535 |\n| `z` | String | (none) | a \\| b |\n| `w` | String | `\"\"` | empty |\n"
                + "| `r` | String | **required** | r |\n| `e` | String | *empty* | e |\n\n"
                + "after\n\n### io.hybridfog.b\n\n| key | type | default | meaning |\n| --- | --- | --- | --- |\n| n | Long | 10,000 | count |\n";
        Map<String, Map<String, String>> pids = documentedPids(md);
        assertEquals(Map.of("x.y", "30", "z", "", "w", "", "r", "", "e", ""), pids.get("io.hybridfog.a"));
        assertEquals(Map.of("n", "10000"), pids.get("io.hybridfog.b"));
        assertEquals(2, pids.size());
    }

    static List<String> compare(Map<String, Map<String, String>> metatype, Map<String, Map<String, String>> documented) {
        List<String> problems = new ArrayList<>();
        for (String pid : new TreeMap<>(metatype).keySet()) {
            if (!documented.containsKey(pid)) {
                problems.add(pid + ": PID in the bundles, not in the docs");
            }
        }
        for (String pid : new TreeMap<>(documented).keySet()) {
            if (!metatype.containsKey(pid)) {
                problems.add(pid + ": PID in the docs, not in the bundles");
                continue;
            }
            Map<String, String> actual = metatype.get(pid);
            Map<String, String> doc = documented.get(pid);
            if (doc == null) {
                continue;
            }
            for (String key : new TreeMap<>(actual).keySet()) {
                if (!doc.containsKey(key)) {
                    problems.add(pid + ": key " + key + " in the bundles, not in the docs");
                } else if (!actual.get(key).equals(doc.get(key))) {
                    problems.add(pid + ": key " + key + " has default '" + actual.get(key) + "' in the bundles, '"
                            + doc.get(key) + "' in the docs");
                }
            }
            for (String key : new TreeMap<>(doc).keySet()) {
                if (!actual.containsKey(key)) {
                    problems.add(pid + ": key " + key + " in the docs, not in the bundles");
                }
            }
        }
        return problems;
    }

    /** PID to (key to default) from every hybridfog bundle's OSGI-INF/metatype/*.xml. */
    private static Map<String, Map<String, String>> metatypeOfTheBundles() throws Exception {
        Map<String, Map<String, String>> pids = new TreeMap<>();
        for (String name : System.getProperties().stringPropertyNames()) {
            if (!name.startsWith(BUNDLE_PROPERTY_PREFIX)) {
                continue;
            }
            try (JarFile jar = new JarFile(System.getProperty(name))) {
                Enumeration<JarEntry> entries = jar.entries();
                while (entries.hasMoreElements()) {
                    JarEntry e = entries.nextElement();
                    if (e.getName().startsWith("OSGI-INF/metatype/") && e.getName().endsWith(".xml")) {
                        try (InputStream in = jar.getInputStream(e)) {
                            readMetatype(in, pids);
                        }
                    }
                }
            }
        }
        return pids;
    }

    private static void readMetatype(InputStream xml, Map<String, Map<String, String>> pids) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(false);
        Document d = f.newDocumentBuilder().parse(xml);
        Map<String, Map<String, String>> byOcd = new LinkedHashMap<>();
        NodeList ocds = d.getElementsByTagName("OCD");
        for (int i = 0; i < ocds.getLength(); i++) {
            Element ocd = (Element) ocds.item(i);
            Map<String, String> keys = new TreeMap<>();
            NodeList ads = ocd.getElementsByTagName("AD");
            for (int j = 0; j < ads.getLength(); j++) {
                Element ad = (Element) ads.item(j);
                keys.put(ad.getAttribute("id"), ad.getAttribute("default")); // "" when absent
            }
            byOcd.put(ocd.getAttribute("id"), keys);
        }
        NodeList designates = d.getElementsByTagName("Designate");
        for (int i = 0; i < designates.getLength(); i++) {
            Element designate = (Element) designates.item(i);
            String pid = designate.hasAttribute("factoryPid") ? designate.getAttribute("factoryPid") : designate.getAttribute("pid");
            Element object = (Element) designate.getElementsByTagName("Object").item(0);
            Map<String, String> keys = byOcd.get(object.getAttribute("ocdref"));
            if (keys != null) {
                pids.computeIfAbsent(pid, p -> new TreeMap<>()).putAll(keys);
            }
        }
    }

    /**
     * PID to (key to default) from the tables of a Markdown document: under each {@code ### <PID>} heading, the first
     * table whose header has the columns {@code key} and {@code default}. Backticks are dropped; a default that is
     * empty, {@code ""}, a dash, in parentheses (e.g. {@code (none)}) or emphasised (e.g. {@code **required**},
     * {@code *empty*}) means none; digit groups ({@code 10,000}) are joined.
     */
    static Map<String, Map<String, String>> documentedPids(String markdown) {
        Map<String, Map<String, String>> pids = new LinkedHashMap<>();
        String pid = null;
        int keyColumn = -1;
        int defaultColumn = -1;
        boolean inTable = false;
        for (String line : markdown.split("\n")) {
            String t = line.strip();
            if (t.startsWith("#")) {
                pid = t.startsWith("### ") ? t.substring(4).replace("`", "").strip() : null;
                if (pid != null) {
                    pids.put(pid, null);
                }
                inTable = false;
                keyColumn = -1;
                continue;
            }
            if (pid == null || pids.get(pid) != null && !inTable) {
                continue; // not under a PID heading, or its table was read already
            }
            if (!t.startsWith("|")) {
                inTable = false;
                continue;
            }
            List<String> cells = cells(t);
            if (!inTable) {
                keyColumn = cells.indexOf("key");
                defaultColumn = cells.indexOf("default");
                if (keyColumn >= 0 && defaultColumn >= 0) {
                    inTable = true;
                    pids.put(pid, new TreeMap<>());
                }
                continue;
            }
            if (cells.stream().allMatch(c -> c.matches(":?-+:?"))) {
                continue; // the separator row
            }
            if (cells.size() > Math.max(keyColumn, defaultColumn)) {
                pids.get(pid).put(cells.get(keyColumn), normalizedDefault(cells.get(defaultColumn)));
            }
        }
        pids.values().removeIf(v -> v == null);
        return pids;
    }

    /** The cells of a table row, without backticks; the header names {@code key} and {@code default} in lower case. */
    private static List<String> cells(String row) {
        String inner = row.substring(1, row.endsWith("|") && !row.endsWith("\\|") ? row.length() - 1 : row.length());
        List<String> out = new ArrayList<>();
        for (String c : inner.split("(?<!\\\\)\\|", -1)) {
            String cell = c.replace("\\|", "|").replace("`", "").strip();
            out.add(cell.equalsIgnoreCase("key") || cell.equalsIgnoreCase("default") ? cell.toLowerCase() : cell);
        }
        return out;
    }

    private static String normalizedDefault(String cell) {
        String v = cell.strip();
        if (v.isEmpty() || v.equals("\"\"") || v.matches("[-\u2013\u2014]") || (v.startsWith("(") && v.endsWith(")"))
                || v.matches("\\*+[^*]+\\*+")) {
            return "";
        }
        if (v.matches("\\d{1,3}([,\u202f\u00a0 ]\\d{3})+")) {
            return v.replaceAll("[,\u202f\u00a0 ]", "");
        }
        return v;
    }
}
