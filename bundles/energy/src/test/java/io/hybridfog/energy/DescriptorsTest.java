package io.hybridfog.energy;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.InputStream;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** Checks the DS and metatype descriptors bnd generated into target/classes/OSGI-INF. */
class DescriptorsTest {

    private static Document parse(String resource) throws Exception {
        try (InputStream in = DescriptorsTest.class.getResourceAsStream(resource)) {
            assertNotNull(in, "missing " + resource);
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(false);
            return f.newDocumentBuilder().parse(in);
        }
    }

    @Test
    void componentUsesPidWithOptionalConfiguration() throws Exception {
        Element c = parse("/OSGI-INF/io.hybridfog.energy.MacEnergyModel.xml").getDocumentElement();
        assertEquals("optional", c.getAttribute("configuration-policy"));
        assertEquals("io.hybridfog.energy", c.getAttribute("configuration-pid"));
        assertEquals("true", c.getAttribute("immediate"));
        Element provide = (Element) c.getElementsByTagName("provide").item(0);
        assertEquals("io.hybridfog.api.EnergyModel", provide.getAttribute("interface"));
    }

    @Test
    void metatypeDeclaresTheKeysWithTheirDefaults() throws Exception {
        Document doc = parse("/OSGI-INF/metatype/io.hybridfog.energy.xml");
        Map<String, String> defaults = new TreeMap<>();
        NodeList ads = doc.getElementsByTagName("AD");
        for (int i = 0; i < ads.getLength(); i++) {
            Element ad = (Element) ads.item(i);
            defaults.put(ad.getAttribute("id"), ad.getAttribute("default"));
            assertEquals("Double", ad.getAttribute("type"));
        }
        assertEquals(new TreeMap<>(Map.of("pj.per.mac.fp32", "4.6", "pj.per.mac.bits.1", "0.103125", "pj.per.mac.bits.2", "0.1125",
                "pj.per.mac.bits.4", "0.15", "pj.per.mac.bits.8", "0.3", "pj.per.mac.bits.16", "0.9")), defaults);
        Element designate = (Element) doc.getElementsByTagName("Designate").item(0);
        assertEquals("io.hybridfog.energy", designate.getAttribute("pid"));
    }
}
