package io.hybridfog.policy;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.InputStream;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** Checks what bnd generated from the DS annotations (OSGI-INF/*.xml, in target/classes before the tests run). */
class ComponentDescriptorsTest {

    @Test
    void eachPolicyIsAnExitPolicyServiceWithItsName() throws Exception {
        Map<Class<?>, String> expected = Map.of(EntropyPolicy.class, "entropy", NormalizedEntropyPolicy.class, "normalized-entropy",
                MaxSoftmaxPolicy.class, "max-softmax", MarginPolicy.class, "margin",
                EdgeOnlyPolicy.class, "edge-only", CloudOnlyPolicy.class, "cloud-only");
        for (Map.Entry<Class<?>, String> e : expected.entrySet()) {
            String name = e.getKey().getName();
            try (InputStream in = getClass().getResourceAsStream("/OSGI-INF/" + name + ".xml")) {
                assertNotNull(in, "no component descriptor for " + name);
                Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(in);
                Element provide = (Element) doc.getElementsByTagName("provide").item(0);
                assertEquals("io.hybridfog.api.ExitPolicy", provide.getAttribute("interface"), name);
                Element property = (Element) doc.getElementsByTagName("property").item(0);
                assertEquals("hybridfog.exit.policy", property.getAttribute("name"), name);
                assertEquals(e.getValue(), property.getAttribute("value"), name);
            }
        }
    }
}
