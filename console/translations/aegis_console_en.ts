<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>ConfigGrayRelease</name>
    <message numerus="yes">
        <source>%n instance(s): %1</source>
        <translation>
            <numerusform>%n instance: %1</numerusform>
            <numerusform>%n instances: %1</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>MetricsPage</name>
    <message numerus="yes">
        <source>Last %n day(s)</source>
        <translation>
            <numerusform>Last %n day</numerusform>
            <numerusform>Last %n days</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Last %n hour(s)</source>
        <translation>
            <numerusform>Last %n hour</numerusform>
            <numerusform>Last %n hours</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Last %n minute(s)</source>
        <translation>
            <numerusform>Last %n minute</numerusform>
            <numerusform>Last %n minutes</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>RolloutPipelineTexts</name>
    <message numerus="yes">
        <source>%n step(s)</source>
        <translation>
            <numerusform>%n step</numerusform>
            <numerusform>%n steps</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>TracesPage</name>
    <message numerus="yes">
        <source>&lt;b&gt;%1: %2&lt;/b&gt; · %3 · %n span(s)</source>
        <translation>
            <numerusform>&lt;b&gt;%1: %2&lt;/b&gt; · %3 · %n span</numerusform>
            <numerusform>&lt;b&gt;%1: %2&lt;/b&gt; · %3 · %n spans</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source> · %n error(s)</source>
        <translation>
            <numerusform> · %n error</numerusform>
            <numerusform> · %n errors</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>aegis::console::AlertTreeModel</name>
    <message numerus="yes">
        <source>%n firing</source>
        <translation>
            <numerusform>%n firing</numerusform>
            <numerusform>%n firing</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n pending</source>
        <translation>
            <numerusform>%n pending</numerusform>
            <numerusform>%n pending</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n alert(s)</source>
        <translation>
            <numerusform>%n alert</numerusform>
            <numerusform>%n alerts</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>aegis::console::AuditPage</name>
    <message numerus="yes">
        <source>%n record(s) loaded</source>
        <translation>
            <numerusform>%n record loaded</numerusform>
            <numerusform>%n records loaded</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%1 of %n loaded record(s) match the search</source>
        <translation>
            <numerusform>%1 of %n loaded record match the search</numerusform>
            <numerusform>%1 of %n loaded records match the search</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>aegis::console::ConfigHistoryPanel</name>
    <message numerus="yes">
        <source>%n version(s)</source>
        <translation>
            <numerusform>%n version</numerusform>
            <numerusform>%n versions</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>aegis::console::ConfigPage</name>
    <message numerus="yes">
        <source>%1: %n item(s). Select a key to view and edit it.</source>
        <translation>
            <numerusform>%1: %n item. Select a key to view and edit it.</numerusform>
            <numerusform>%1: %n items. Select a key to view and edit it.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n item(s) in </source>
        <translation>
            <numerusform>%n item in </numerusform>
            <numerusform>%n items in </numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n namespace(s)</source>
        <translation>
            <numerusform>%n namespace</numerusform>
            <numerusform>%n namespaces</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n item(s)</source>
        <translation>
            <numerusform>%n item</numerusform>
            <numerusform>%n items</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>aegis::console::ConfigTreeModel</name>
    <message numerus="yes">
        <source>%n item(s)</source>
        <translation>
            <numerusform>%n item</numerusform>
            <numerusform>%n items</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>aegis::console::CriticalHealthNotifier</name>
    <message numerus="yes">
        <source>%n instance(s) went critical</source>
        <translation>
            <numerusform>%n instance went critical</numerusform>
            <numerusform>%n instances went critical</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>and %n more</source>
        <translation>
            <numerusform>and %n more</numerusform>
            <numerusform>and %n more</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n critical alert(s) firing</source>
        <translation>
            <numerusform>%n critical alert firing</numerusform>
            <numerusform>%n critical alerts firing</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>aegis::console::DeploymentLogView</name>
    <message numerus="yes">
        <source>Not following: %n line(s) shown</source>
        <translation>
            <numerusform>Not following: %n line shown</numerusform>
            <numerusform>Not following: %n lines shown</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>aegis::console::DiffView</name>
    <message numerus="yes">
        <source>%n line(s)</source>
        <translation>
            <numerusform>%n line</numerusform>
            <numerusform>%n lines</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>aegis::console::InstanceDetailPane</name>
    <message numerus="yes">
        <source>%n failing in a row</source>
        <translation>
            <numerusform>%n failing in a row</numerusform>
            <numerusform>%n failing in a row</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n passing in a row</source>
        <translation>
            <numerusform>%n passing in a row</numerusform>
            <numerusform>%n passing in a row</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n failed call(s) reported</source>
        <translation>
            <numerusform>%n failed call reported</numerusform>
            <numerusform>%n failed calls reported</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>aegis::console::MainWindow</name>
    <message numerus="yes">
        <source>%n critical alert(s) firing</source>
        <translation>
            <numerusform>%n critical alert firing</numerusform>
            <numerusform>%n critical alerts firing</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Connected to %1 (one of %n replicas listed)</source>
        <translation>
            <numerusform>Connected to %1 (one of %n replicas listed)</numerusform>
            <numerusform>Connected to %1 (one of %n replicas listed)</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>aegis::console::MetricsPage</name>
    <message numerus="yes">
        <source>%1 · %n target(s), %2 up</source>
        <translation>
            <numerusform>%1 · %n target, %2 up</numerusform>
            <numerusform>%1 · %n targets, %2 up</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>aegis::console::OverviewPage</name>
    <message numerus="yes">
        <source>%n service(s) in panic</source>
        <translation>
            <numerusform>%n service in panic</numerusform>
            <numerusform>%n services in panic</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n warning</source>
        <translation>
            <numerusform>%n warning</numerusform>
            <numerusform>%n warning</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n flapping</source>
        <translation>
            <numerusform>%n flapping</numerusform>
            <numerusform>%n flapping</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n unknown</source>
        <translation>
            <numerusform>%n unknown</numerusform>
            <numerusform>%n unknown</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>under %n lease(s)</source>
        <translation>
            <numerusform>under %n lease</numerusform>
            <numerusform>under %n leases</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n replica(s) on etcd</source>
        <translation>
            <numerusform>%n replica on etcd</numerusform>
            <numerusform>%n replicas on etcd</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>aegis::console::ReleasesPage</name>
    <message numerus="yes">
        <source>healthy · %n registered</source>
        <translation>
            <numerusform>healthy · %n registered</numerusform>
            <numerusform>healthy · %n registered</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n service(s) released, </source>
        <translation>
            <numerusform>%n service released, </numerusform>
            <numerusform>%n services released, </numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n rollout(s) in progress</source>
        <translation>
            <numerusform>%n rollout in progress</numerusform>
            <numerusform>%n rollouts in progress</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n service(s)</source>
        <translation>
            <numerusform>%n service</numerusform>
            <numerusform>%n services</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>aegis::console::RuleEditorPanel</name>
    <message numerus="yes">
        <source>%1
v%2 · %n rule(s)</source>
        <translation>
            <numerusform>%1
v%2 · %n rule</numerusform>
            <numerusform>%1
v%2 · %n rules</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>&lt;b&gt;%1&lt;/b&gt;: %2 firing, %3 pending now (the expression returned %n series).</source>
        <translation>
            <numerusform>&lt;b&gt;%1&lt;/b&gt;: %2 firing, %3 pending now (the expression returned %n series).</numerusform>
            <numerusform>&lt;b&gt;%1&lt;/b&gt;: %2 firing, %3 pending now (the expression returned %n series).</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>aegis::console::ServiceSummaryModel</name>
    <message numerus="yes">
        <source>%1 now; the line shows the last %n minute(s)</source>
        <translation>
            <numerusform>%1 now; the line shows the last %n minute</numerusform>
            <numerusform>%1 now; the line shows the last %n minutes</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n service(s) in panic: discovery hands out every instance, healthy or not</source>
        <translation>
            <numerusform>%n service in panic: discovery hands out every instance, healthy or not</numerusform>
            <numerusform>%n services in panic: discovery hands out every instance, healthy or not</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Requests per second and the share of them that failed (5xx) over the last %n minute(s), from the metrics backend</source>
        <translation>
            <numerusform>Requests per second and the share of them that failed (5xx) over the last %n minute, from the metrics backend</numerusform>
            <numerusform>Requests per second and the share of them that failed (5xx) over the last %n minutes, from the metrics backend</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>aegis::console::ServicesPage</name>
    <message numerus="yes">
        <source>%n service(s), </source>
        <translation>
            <numerusform>%n service, </numerusform>
            <numerusform>%n services, </numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n instance(s)</source>
        <translation>
            <numerusform>%n instance</numerusform>
            <numerusform>%n instances</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source> (%n unhealthy)</source>
        <translation>
            <numerusform> (%n unhealthy)</numerusform>
            <numerusform> (%n unhealthy)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n instance(s) shown</source>
        <translation>
            <numerusform>%n instance shown</numerusform>
            <numerusform>%n instances shown</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%1 of %n instance(s) shown</source>
        <translation>
            <numerusform>%1 of %n instance shown</numerusform>
            <numerusform>%1 of %n instances shown</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>aegis::console::SilenceDialog</name>
    <message numerus="yes">
        <source>%n alert(s) would be silenced.</source>
        <translation>
            <numerusform>%n alert would be silenced.</numerusform>
            <numerusform>%n alerts would be silenced.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>aegis::console::TraceResultsModel</name>
    <message numerus="yes">
        <source>%1: %n span(s), %2 with errors</source>
        <translation>
            <numerusform>%1: %n span, %2 with errors</numerusform>
            <numerusform>%1: %n spans, %2 with errors</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%1: %n span(s)</source>
        <translation>
            <numerusform>%1: %n span</numerusform>
            <numerusform>%1: %n spans</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>aegis::console::TraceView</name>
    <message numerus="yes">
        <source>%n span(s) without their parent</source>
        <translation>
            <numerusform>%n span without their parent</numerusform>
            <numerusform>%n spans without their parent</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n match(es)</source>
        <translation>
            <numerusform>%n match</numerusform>
            <numerusform>%n matches</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>aegis::console::TracesPage</name>
    <message numerus="yes">
        <source>%n trace(s)</source>
        <translation>
            <numerusform>%n trace</numerusform>
            <numerusform>%n traces</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>, %n with errors</source>
        <translation>
            <numerusform>, %n with errors</numerusform>
            <numerusform>, %n with errors</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n path(s), </source>
        <translation>
            <numerusform>%n path, </numerusform>
            <numerusform>%n paths, </numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n differ</source>
        <translation>
            <numerusform>%n differs</numerusform>
            <numerusform>%n differ</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n service(s), </source>
        <translation>
            <numerusform>%n service, </numerusform>
            <numerusform>%n services, </numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n call path(s)</source>
        <translation>
            <numerusform>%n call path</numerusform>
            <numerusform>%n call paths</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n trace(s) stored</source>
        <translation>
            <numerusform>%n trace stored</numerusform>
            <numerusform>%n traces stored</numerusform>
        </translation>
    </message>
</context>
</TS>
