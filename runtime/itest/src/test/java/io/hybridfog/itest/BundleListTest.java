package io.hybridfog.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Plain JUnit (no OSGi): the integration tests boot exactly the bundles the demo runtime installs,
 * so a bundle added to or removed from runtime/demo/pom.xml without the same change here fails the build.
 */
public class BundleListTest {

    @Test
    public void itestBootsExactlyTheDemoRuntimeBundles() throws Exception {
        File pom = new File(System.getProperty("hybridfog.itest.demo.pom", "../demo/pom.xml"));
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom);
        Set<String> demo = new TreeSet<>();
        NodeList executions = doc.getElementsByTagName("execution");
        for (int i = 0; i < executions.getLength(); i++) {
            Element execution = (Element) executions.item(i);
            String id = text(execution, "id");
            if (!"bundles".equals(id) && !"models".equals(id)) {
                continue;
            }
            NodeList items = execution.getElementsByTagName("artifactItem");
            for (int j = 0; j < items.getLength(); j++) {
                Element item = (Element) items.item(j);
                demo.add(text(item, "groupId") + ":" + text(item, "artifactId"));
            }
        }
        assertFalse("no artifactItem found in the 'bundles'/'models' executions of " + pom, demo.isEmpty());
        List<String> ours = new ArrayList<>(RuntimeBundles.ARTIFACTS);
        assertEquals("duplicate in RuntimeBundles.ARTIFACTS", ours.size(), new TreeSet<>(ours).size());
        assertEquals("bundles of " + pom + " vs RuntimeBundles.ARTIFACTS", demo, new TreeSet<>(ours));
    }

    private static String text(Element parent, String tag) {
        NodeList l = parent.getElementsByTagName(tag);
        return l.getLength() == 0 ? null : l.item(0).getTextContent().trim();
    }
}
