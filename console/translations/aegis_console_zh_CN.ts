<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>CallError</name>
    <message>
        <source>connection refused</source>
        <translation>连接被拒绝</translation>
    </message>
    <message>
        <source>no answer before the deadline</source>
        <translation>截止时间前未收到响应</translation>
    </message>
    <message>
        <source>token rejected (%1)</source>
        <translation>令牌被拒绝（%1）</translation>
    </message>
    <message>
        <source>permission denied (%1)</source>
        <translation>权限不足（%1）</translation>
    </message>
</context>
<context>
    <name>ChartMarkerTexts</name>
    <message>
        <source>%1 start</source>
        <translation>%1 开始</translation>
    </message>
    <message>
        <source>%1 started: %2 on %3</source>
        <translation>%1 已开始：%2，部署在 %3</translation>
    </message>
    <message>
        <source>switch</source>
        <translation>切流</translation>
    </message>
    <message>
        <source>abort</source>
        <translation>中止</translation>
    </message>
    <message>
        <source>rolled back</source>
        <translation>已回滚</translation>
    </message>
    <message>
        <source>done</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>%1 step</source>
        <translation>%1 步骤</translation>
    </message>
    <message>
        <source>%1: traffic %2</source>
        <translation>%1：流量 %2</translation>
    </message>
</context>
<context>
    <name>ConfigGrayRelease</name>
    <message>
        <source>selector %1</source>
        <translation>选择器 %1</translation>
    </message>
    <message>
        <source>%1 % of instances</source>
        <translation>%1 % 的实例</translation>
    </message>
    <message numerus="yes">
        <source>%n instance(s): %1</source>
        <translation>
            <numerusform>%n 个实例：%1</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ConfigPublishDialog</name>
    <message>
        <source>v%1</source>
        <translation>v%1</translation>
    </message>
    <message>
        <source> by %1</source>
        <translation>，由 %1</translation>
    </message>
    <message>
        <source> at %1</source>
        <translation>，于 %1</translation>
    </message>
</context>
<context>
    <name>ConfigVersionKind</name>
    <message>
        <source>publish</source>
        <translation>发布</translation>
    </message>
    <message>
        <source>rollback</source>
        <translation>回滚</translation>
    </message>
    <message>
        <source>gray</source>
        <translation>灰度</translation>
    </message>
    <message>
        <source>promotion</source>
        <translation>全量</translation>
    </message>
    <message>
        <source>import</source>
        <translation>导入</translation>
    </message>
</context>
<context>
    <name>ConnectionState</name>
    <message>
        <source>Disconnected</source>
        <translation>未连接</translation>
    </message>
    <message>
        <source>Connecting</source>
        <translation>连接中</translation>
    </message>
    <message>
        <source>Connected</source>
        <translation>已连接</translation>
    </message>
    <message>
        <source>Unreachable</source>
        <translation>无法访问</translation>
    </message>
</context>
<context>
    <name>DisplayFormat</name>
    <message>
        <source>%1 s</source>
        <translation>%1 秒</translation>
    </message>
    <message>
        <source>%1 min</source>
        <translation>%1 分钟</translation>
    </message>
    <message>
        <source>%1 h</source>
        <translation>%1 小时</translation>
    </message>
    <message>
        <source>%1 h %2 min</source>
        <translation>%1 小时 %2 分钟</translation>
    </message>
    <message>
        <source>%1 d</source>
        <translation>%1 天</translation>
    </message>
    <message>
        <source>%1 d %2 h</source>
        <translation>%1 天 %2 小时</translation>
    </message>
    <message>
        <source>just now</source>
        <translation>刚刚</translation>
    </message>
    <message>
        <source>%1 s ago</source>
        <translation>%1 秒前</translation>
    </message>
    <message>
        <source>%1 min ago</source>
        <translation>%1 分钟前</translation>
    </message>
    <message>
        <source>%1 h ago</source>
        <translation>%1 小时前</translation>
    </message>
    <message>
        <source>yesterday %1</source>
        <translation>昨天 %1</translation>
    </message>
    <message>
        <source>%1 ns</source>
        <translation>%1 ns</translation>
    </message>
    <message>
        <source>%1 µs</source>
        <translation>%1 µs</translation>
    </message>
    <message>
        <source>%1 ms</source>
        <translation>%1 ms</translation>
    </message>
    <message>
        <source>MMM d, HH:mm:ss</source>
        <extracomment>A QLocale date format: MMM the month&apos;s name, d the day, HH:mm:ss the time.</extracomment>
        <translation>M月d日 HH:mm:ss</translation>
    </message>
    <message>
        <source>MMM d, HH:mm</source>
        <extracomment>A QLocale date format: MMM the month&apos;s name, d the day, HH:mm the time.</extracomment>
        <translation>M月d日 HH:mm</translation>
    </message>
</context>
<context>
    <name>HealthStatus</name>
    <message>
        <source>passing</source>
        <translation>正常</translation>
    </message>
    <message>
        <source>warning</source>
        <translation>警告</translation>
    </message>
    <message>
        <source>critical</source>
        <translation>严重</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>未知</translation>
    </message>
    <message>
        <source>flapping</source>
        <translation>抖动</translation>
    </message>
    <message>
        <source>ejected</source>
        <translation>已剔除</translation>
    </message>
</context>
<context>
    <name>InstanceState</name>
    <message>
        <source>serving</source>
        <translation>服务中</translation>
    </message>
    <message>
        <source>draining</source>
        <translation>摘流中</translation>
    </message>
    <message>
        <source>maintenance</source>
        <translation>维护中</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>未知</translation>
    </message>
</context>
<context>
    <name>MetricUnitTexts</name>
    <message>
        <source>s</source>
        <translation>s</translation>
    </message>
    <message>
        <source>ms</source>
        <translation>ms</translation>
    </message>
    <message>
        <source>µs</source>
        <translation>µs</translation>
    </message>
    <message>
        <source>GiB</source>
        <translation>GiB</translation>
    </message>
    <message>
        <source>MiB</source>
        <translation>MiB</translation>
    </message>
    <message>
        <source>KiB</source>
        <translation>KiB</translation>
    </message>
    <message>
        <source>B</source>
        <translation>B</translation>
    </message>
    <message>
        <source>M req/s</source>
        <translation>M 请求/秒</translation>
    </message>
    <message>
        <source>k req/s</source>
        <translation>k 请求/秒</translation>
    </message>
    <message>
        <source>req/s</source>
        <translation>请求/秒</translation>
    </message>
    <message>
        <source>mCPU</source>
        <translation>mCPU</translation>
    </message>
    <message>
        <source>cores</source>
        <translation>核</translation>
    </message>
    <message>
        <source>G</source>
        <translation>G</translation>
    </message>
    <message>
        <source>M</source>
        <translation>M</translation>
    </message>
    <message>
        <source>k</source>
        <translation>k</translation>
    </message>
</context>
<context>
    <name>MetricsPage</name>
    <message numerus="yes">
        <source>Last %n day(s)</source>
        <translation>
            <numerusform>最近 %n 天</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Last %n hour(s)</source>
        <translation>
            <numerusform>最近 %n 小时</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Last %n minute(s)</source>
        <translation>
            <numerusform>最近 %n 分钟</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ResumableWatch</name>
    <message>
        <source>history compacted; reloading</source>
        <translation>历史已被压缩，正在重新加载</translation>
    </message>
</context>
<context>
    <name>RolloutAction</name>
    <message>
        <source>Promote</source>
        <translation>推进</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <source>Abort</source>
        <translation>中止</translation>
    </message>
    <message>
        <source>Retry</source>
        <translation>重试</translation>
    </message>
    <message>
        <source>Undo</source>
        <translation>撤销</translation>
    </message>
</context>
<context>
    <name>RolloutActions</name>
    <message>
        <source>Approve: start moving traffic to %1</source>
        <translation>审批通过：开始将流量切到 %1</translation>
    </message>
    <message>
        <source>Skip the rest of the bake time and finish the rollout</source>
        <translation>跳过剩余观察期，直接完成发布</translation>
    </message>
    <message>
        <source>Skip this step&apos;s wait and move on to the next step</source>
        <translation>跳过本步骤的等待，进入下一步</translation>
    </message>
    <message>
        <source>Hold the rollout where it is; traffic stays as it is</source>
        <translation>让发布停在当前位置，流量保持不变</translation>
    </message>
    <message>
        <source>Continue the rollout; the wait it was in starts over</source>
        <translation>继续发布，当前步骤的等待重新计时</translation>
    </message>
    <message>
        <source>End the rollout rolled back (the service&apos;s first release: there is no earlier colour to return to)</source>
        <translation>以回滚结束发布（这是该服务的首次发布，没有可以退回的旧颜色）</translation>
    </message>
    <message>
        <source>Put all traffic back on %1 at once</source>
        <translation>立即将全部流量切回 %1</translation>
    </message>
    <message>
        <source>Run this rollout of %1 again from the start</source>
        <translation>从头重新执行 %1 的这次发布</translation>
    </message>
    <message>
        <source>Put all traffic back on %1 at once (possible for %2 more)</source>
        <translation>立即将全部流量切回 %1（还可操作 %2）</translation>
    </message>
    <message>
        <source>The daemon did not say whether this applies now</source>
        <translation>服务端未说明此操作当前是否可用</translation>
    </message>
    <message>
        <source>%1 has been scaled down; start a new rollout of %2 instead</source>
        <translation>%1 已缩容；请改为发起 %2 的新发布</translation>
    </message>
</context>
<context>
    <name>RolloutConfirmation</name>
    <message>
        <source>Promote</source>
        <translation>推进</translation>
    </message>
    <message>
        <source>Approve %1?</source>
        <translation>审批通过 %1？</translation>
    </message>
    <message>
        <source>Approve</source>
        <translation>审批通过</translation>
    </message>
    <message>
        <source>All traffic of %1 moves to %2.</source>
        <translation>%1 的全部流量切到 %2。</translation>
    </message>
    <message>
        <source>Traffic of %1 starts moving to %2: %3 % first, then step by step to 100 % (%4 steps).</source>
        <translation>%1 的流量开始切到 %2：先切 %3 %，再逐步增加到 100 %（共 %4 步）。</translation>
    </message>
    <message>
        <source>This is the first release of %1.</source>
        <translation>这是 %1 的首次发布。</translation>
    </message>
    <message>
        <source>%1 keeps running after the switch, so the rollout can still be undone.</source>
        <translation>切换后 %1 继续运行，因此这次发布仍可撤销。</translation>
    </message>
    <message>
        <source>All traffic of %1 stays on %2; the rollout finishes now, skipping the rest of the bake time.</source>
        <translation>%1 的全部流量保持在 %2；发布立即完成，跳过剩余观察期。</translation>
    </message>
    <message>
        <source>A new instance going critical no longer rolls back; %1 is scaled down after the scale-down delay.</source>
        <translation>新实例变为严重时不再触发回滚；%1 将在缩容延迟后缩容。</translation>
    </message>
    <message>
        <source>All traffic of %1 moves to %2 (from %3 % now).</source>
        <translation>%1 的全部流量切到 %2（当前为 %3 %）。</translation>
    </message>
    <message>
        <source>Traffic of %1 on %2 goes from %3 % to %4 % (step %5 of %6).</source>
        <translation>%1 在 %2 上的流量从 %3 % 调整到 %4 %（第 %5 步，共 %6 步）。</translation>
    </message>
    <message>
        <source>Skips the rest of this step&apos;s wait.</source>
        <translation>跳过本步骤剩余的等待。</translation>
    </message>
    <message>
        <source>Traffic of %1 stays at %2 % on %3; the rollout stops waiting and goes on to bake.</source>
        <translation>%1 的流量保持在 %3 上的 %2 %；发布不再等待，进入观察期。</translation>
    </message>
    <message>
        <source>Why: recorded in the rollout&apos;s log and the audit log</source>
        <translation>原因：记录在发布日志和审计日志中</translation>
    </message>
    <message>
        <source>Promote %1?</source>
        <translation>推进 %1？</translation>
    </message>
    <message>
        <source>Pause %1</source>
        <translation>暂停 %1</translation>
    </message>
    <message>
        <source>The rollout of %1 holds where it is; traffic stays as it is.</source>
        <translation>%1 的发布停在当前位置，流量保持不变。</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>Resume %1?</source>
        <translation>继续 %1？</translation>
    </message>
    <message>
        <source>The rollout of %1 to %2 goes on from %3 % of the traffic; the wait it was in starts over.</source>
        <translation>%1 到 %2 的发布从 %3 % 的流量处继续；当前步骤的等待重新计时。</translation>
    </message>
    <message>
        <source>Traffic then moves as the rollout&apos;s steps say.</source>
        <translation>之后流量按发布步骤切换。</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <source>Abort %1?</source>
        <translation>中止 %1？</translation>
    </message>
    <message>
        <source>Abort and roll back</source>
        <translation>中止并回滚</translation>
    </message>
    <message>
        <source>The rollout of %1 ends rolled back; this is its first release, so there is no earlier colour to return to.</source>
        <translation>%1 的发布以回滚结束；这是首次发布，没有可以退回的旧颜色。</translation>
    </message>
    <message>
        <source>%1 keeps running until the next rollout replaces it.</source>
        <translation>%1 会继续运行，直到下一次发布替换它。</translation>
    </message>
    <message>
        <source>All traffic of %1 moves back to %2 at once.</source>
        <translation>%1 的全部流量立即切回 %2。</translation>
    </message>
    <message>
        <source>%1 keeps running for inspection until the next rollout of %2 replaces it; the rollout ends rolled back.</source>
        <translation>%1 会继续运行以便排查，直到 %2 的下一次发布替换它；本次发布以回滚结束。</translation>
    </message>
    <message>
        <source>Undo %1?</source>
        <translation>撤销 %1？</translation>
    </message>
    <message>
        <source>Undo</source>
        <translation>撤销</translation>
    </message>
    <message>
        <source>%1 stops taking traffic; the rollout ends rolled back.</source>
        <translation>%1 不再接收流量；发布以回滚结束。</translation>
    </message>
    <message>
        <source>Retry %1?</source>
        <translation>重试 %1？</translation>
    </message>
    <message>
        <source>Retry</source>
        <translation>重试</translation>
    </message>
    <message>
        <source>The rollout of %1 to %2 runs again from the start (attempt %3).</source>
        <translation>%1 到 %2 的发布从头重新执行（第 %3 次尝试）。</translation>
    </message>
    <message>
        <source>The new version is deployed on the idle colour and verified again; traffic then moves to it as the rollout&apos;s steps say.</source>
        <translation>新版本部署到空闲颜色上并重新验证，之后流量按发布步骤切过去。</translation>
    </message>
</context>
<context>
    <name>RolloutFormat</name>
    <message>
        <source>blue %1 % · green %2 %</source>
        <translation>蓝 %1 % · 绿 %2 %</translation>
    </message>
    <message>
        <source>%1 % until promoted</source>
        <translation>%1 %，等待推进</translation>
    </message>
    <message>
        <source>%1 % for %2</source>
        <translation>%1 %，持续 %2</translation>
    </message>
    <message>
        <source>%1 %</source>
        <translation>%1 %</translation>
    </message>
    <message>
        <source>%1 (paused)</source>
        <translation>%1（已暂停）</translation>
    </message>
</context>
<context>
    <name>RolloutPhase</name>
    <message>
        <source>pending</source>
        <translation>等待中</translation>
    </message>
    <message>
        <source>provisioning</source>
        <translation>部署中</translation>
    </message>
    <message>
        <source>verifying</source>
        <translation>验证中</translation>
    </message>
    <message>
        <source>awaiting approval</source>
        <translation>等待审批</translation>
    </message>
    <message>
        <source>switching</source>
        <translation>切流中</translation>
    </message>
    <message>
        <source>baking</source>
        <translation>观察中</translation>
    </message>
    <message>
        <source>finalizing</source>
        <translation>收尾中</translation>
    </message>
    <message>
        <source>succeeded</source>
        <translation>成功</translation>
    </message>
    <message>
        <source>aborting</source>
        <translation>中止中</translation>
    </message>
    <message>
        <source>rolled back</source>
        <translation>已回滚</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
</context>
<context>
    <name>RolloutPipelineTexts</name>
    <message>
        <source>pending</source>
        <translation>等待中</translation>
    </message>
    <message>
        <source>current</source>
        <translation>当前</translation>
    </message>
    <message>
        <source>done</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>skipped</source>
        <translation>已跳过</translation>
    </message>
    <message>
        <source>Pending</source>
        <translation>等待中</translation>
    </message>
    <message>
        <source>Provisioning</source>
        <translation>部署</translation>
    </message>
    <message>
        <source>Verifying</source>
        <translation>验证</translation>
    </message>
    <message>
        <source>Awaiting approval</source>
        <translation>等待审批</translation>
    </message>
    <message>
        <source>Switching</source>
        <translation>切流</translation>
    </message>
    <message>
        <source>Baking</source>
        <translation>观察</translation>
    </message>
    <message>
        <source>Finalizing</source>
        <translation>收尾</translation>
    </message>
    <message>
        <source>Succeeded</source>
        <translation>成功</translation>
    </message>
    <message>
        <source>Aborting</source>
        <translation>中止中</translation>
    </message>
    <message>
        <source>Rolled back</source>
        <translation>已回滚</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>%1/%2 healthy</source>
        <translation>%1/%2 健康</translation>
    </message>
    <message>
        <source>%1 healthy</source>
        <translation>%1 健康</translation>
    </message>
    <message>
        <source>step %1 of %2 · %3 %</source>
        <translation>第 %1 步，共 %2 步 · %3 %</translation>
    </message>
    <message>
        <source>%1 %</source>
        <translation>%1 %</translation>
    </message>
    <message>
        <source>bake %1</source>
        <translation>观察 %1</translation>
    </message>
    <message numerus="yes">
        <source>%n step(s)</source>
        <translation>
            <numerusform>共 %n 步</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>RolloutSpecValidation</name>
    <message>
        <source>Service must be 1 to 63 lowercase letters, digits and &apos;-&apos;, start with a letter and not end with &apos;-&apos;</source>
        <translation>服务名须为 1 到 63 个小写字母、数字或 &apos;-&apos;，以字母开头且不能以 &apos;-&apos; 结尾</translation>
    </message>
    <message>
        <source>Version must be 1 to 64 characters</source>
        <translation>版本须为 1 到 64 个字符</translation>
    </message>
    <message>
        <source>Version may hold letters, digits and . - _ + only</source>
        <translation>版本只能包含字母、数字以及 . - _ +</translation>
    </message>
    <message>
        <source>Replicas must be between 1 and 100</source>
        <translation>副本数须在 1 到 100 之间</translation>
    </message>
    <message>
        <source>A canary rollout needs at least one step</source>
        <translation>金丝雀发布至少需要一个步骤</translation>
    </message>
    <message>
        <source>At most %1 steps</source>
        <translation>最多 %1 个步骤</translation>
    </message>
    <message>
        <source>Step %1: the weight must be between 1 and 100 %</source>
        <translation>第 %1 步：权重须在 1 到 100 % 之间</translation>
    </message>
    <message>
        <source>Step %1: the weight must not be lower than the step before (%2 %)</source>
        <translation>第 %1 步：权重不能低于上一步（%2 %）</translation>
    </message>
    <message>
        <source>Step %1: the pause must be at most 24 h</source>
        <translation>第 %1 步：暂停时长最多 24 小时</translation>
    </message>
    <message>
        <source>Healthy for must be at most 1 h</source>
        <translation>健康持续时间最多 1 小时</translation>
    </message>
    <message>
        <source>Bake time must be at most 24 h</source>
        <translation>观察期最多 24 小时</translation>
    </message>
    <message>
        <source>Scale-down delay must be at most 24 h</source>
        <translation>缩容延迟最多 24 小时</translation>
    </message>
    <message>
        <source>Progress deadline must be between 1 s and 24 h</source>
        <translation>推进截止时间须在 1 秒到 24 小时之间</translation>
    </message>
    <message>
        <source>Description must be at most 1024 bytes</source>
        <translation>描述最多 1024 字节</translation>
    </message>
    <message>
        <source>At most %1 parameters</source>
        <translation>最多 %1 个参数</translation>
    </message>
    <message>
        <source>Parameter keys must be 1 to 128 characters and values at most 4096 bytes (%1)</source>
        <translation>参数键须为 1 到 128 个字符，值最多 4096 字节（%1）</translation>
    </message>
    <message>
        <source>Line %1 is not key=value</source>
        <translation>第 %1 行不是 key=value 格式</translation>
    </message>
    <message>
        <source>Line %1 repeats %2</source>
        <translation>第 %1 行重复了 %2</translation>
    </message>
</context>
<context>
    <name>RolloutStrategy</name>
    <message>
        <source>blue-green</source>
        <translation>蓝绿发布</translation>
    </message>
    <message>
        <source>canary</source>
        <translation>金丝雀发布</translation>
    </message>
</context>
<context>
    <name>ServiceGraph</name>
    <message>
        <source>%1/s · %2 err · p99 %3</source>
        <translation>%1/s · %2 错误 · p99 %3</translation>
    </message>
</context>
<context>
    <name>TraceScatter</name>
    <message>
        <source>with errors</source>
        <translation>有错误</translation>
    </message>
    <message>
        <source>without errors</source>
        <translation>无错误</translation>
    </message>
</context>
<context>
    <name>TraceTimeWindow</name>
    <message>
        <source>Last 5 minutes</source>
        <translation>最近 5 分钟</translation>
    </message>
    <message>
        <source>Last 15 minutes</source>
        <translation>最近 15 分钟</translation>
    </message>
    <message>
        <source>Last hour</source>
        <translation>最近 1 小时</translation>
    </message>
    <message>
        <source>Last 6 hours</source>
        <translation>最近 6 小时</translation>
    </message>
    <message>
        <source>Last 24 hours</source>
        <translation>最近 24 小时</translation>
    </message>
    <message>
        <source>Last 2 days</source>
        <translation>最近 2 天</translation>
    </message>
    <message>
        <source>Last 7 days</source>
        <translation>最近 7 天</translation>
    </message>
</context>
<context>
    <name>TracesPage</name>
    <message numerus="yes">
        <source>&lt;b&gt;%1: %2&lt;/b&gt; · %3 · %n span(s)</source>
        <translation>
            <numerusform>&lt;b&gt;%1：%2&lt;/b&gt; · %3 · %n 个 Span</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source> · %n error(s)</source>
        <translation>
            <numerusform> · %n 个错误</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>TrafficShare</name>
    <message>
        <source>draining: callers send it no new requests</source>
        <translation>摘流中：调用方不再发送新请求</translation>
    </message>
    <message>
        <source>in maintenance: out of rotation</source>
        <translation>维护中：已移出轮转</translation>
    </message>
    <message>
        <source>not serving</source>
        <translation>未在服务</translation>
    </message>
    <message>
        <source>not routed: discovery leaves it out</source>
        <translation>未路由：服务发现不返回它</translation>
    </message>
    <message>
        <source>traffic weight 0</source>
        <translation>流量权重为 0</translation>
    </message>
    <message>
        <source>live</source>
        <translation>生效中</translation>
    </message>
    <message>
        <source>idle</source>
        <translation>空闲</translation>
    </message>
    <message>
        <source>warm for undo</source>
        <translation>保留以便撤销</translation>
    </message>
    <message>
        <source>being torn down</source>
        <translation>正在下线</translation>
    </message>
    <message>
        <source>%1 takes 0 % of the service&apos;s traffic</source>
        <translation>%1 承接该服务 0 % 的流量</translation>
    </message>
    <message>
        <source>0 %</source>
        <translation>0 %</translation>
    </message>
    <message>
        <source>%1 %</source>
        <translation>%1 %</translation>
    </message>
    <message>
        <source>&lt; 0.001 %</source>
        <translation>&lt; 0.001 %</translation>
    </message>
</context>
<context>
    <name>aegis::console::ActionConfirmDialog</name>
    <message>
        <source>Reason (required)</source>
        <translation>原因（必填）</translation>
    </message>
    <message>
        <source>Reason (optional)</source>
        <translation>原因（选填）</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>aegis::console::AlertDetailPane</name>
    <message>
        <source>Firing</source>
        <translation>触发中</translation>
    </message>
    <message>
        <source>Pending</source>
        <translation>待触发</translation>
    </message>
    <message>
        <source>Resolved</source>
        <translation>已恢复</translation>
    </message>
    <message>
        <source>Inactive</source>
        <translation>未激活</translation>
    </message>
    <message>
        <source>Silence…</source>
        <translation>静默…</translation>
    </message>
    <message>
        <source>Expression</source>
        <translation>表达式</translation>
    </message>
    <message>
        <source>Silence this alert (its labels prefill the matchers)</source>
        <translation>静默此告警（以其标签预填匹配器）</translation>
    </message>
    <message>
        <source>Annotations</source>
        <translation>注解</translation>
    </message>
    <message>
        <source>Labels</source>
        <translation>标签</translation>
    </message>
    <message>
        <source>Silences</source>
        <translation>静默</translation>
    </message>
    <message>
        <source>History</source>
        <translation>历史</translation>
    </message>
    <message>
        <source>No alert selected</source>
        <translation>未选择告警</translation>
    </message>
    <message>
        <source>Choose an alert to see its expression, labels and history.</source>
        <translation>选择一条告警，查看其表达式、标签和历史。</translation>
    </message>
    <message>
        <source>for %1</source>
        <translation>持续 %1</translation>
    </message>
    <message>
        <source>value %1</source>
        <translation>值 %1</translation>
    </message>
    <message>
        <source>active since %1</source>
        <translation>自 %1 起激活</translation>
    </message>
    <message>
        <source>silenced</source>
        <translation>已静默</translation>
    </message>
    <message>
        <source>rule %1</source>
        <translation>规则 %1</translation>
    </message>
    <message>
        <source>&lt;i&gt;None&lt;/i&gt;</source>
        <translation>&lt;i&gt;无&lt;/i&gt;</translation>
    </message>
    <message>
        <source>&lt;code&gt;%1&lt;/code&gt; — until %2, by %3: %4</source>
        <translation>&lt;code&gt;%1&lt;/code&gt; — 至 %2，由 %3 创建：%4</translation>
    </message>
    <message>
        <source>&lt;i&gt;No silence matches this alert.&lt;/i&gt;</source>
        <translation>&lt;i&gt;没有匹配此告警的静默。&lt;/i&gt;</translation>
    </message>
    <message>
        <source>The rule&apos;s expression is not known</source>
        <translation>规则的表达式未知</translation>
    </message>
    <message>
        <source>Not connected</source>
        <translation>未连接</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>加载中…</translation>
    </message>
    <message>
        <source>Could not chart the rule&apos;s expression: %1</source>
        <translation>无法绘制规则表达式的图表：%1</translation>
    </message>
    <message>
        <source>No data in this range</source>
        <translation>此时间范围内无数据</translation>
    </message>
    <message>
        <source>Could not load the alert&apos;s history: %1</source>
        <translation>无法加载告警历史：%1</translation>
    </message>
</context>
<context>
    <name>aegis::console::AlertHistoryModel</name>
    <message>
        <source>pending</source>
        <translation>待触发</translation>
    </message>
    <message>
        <source>firing</source>
        <translation>触发中</translation>
    </message>
    <message>
        <source>resolved</source>
        <translation>已恢复</translation>
    </message>
    <message>
        <source>inactive</source>
        <translation>未激活</translation>
    </message>
    <message>
        <source>new</source>
        <translation>新建</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Transition</source>
        <translation>状态变化</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>值</translation>
    </message>
    <message>
        <source>%1 → %2</source>
        <translation>%1 → %2</translation>
    </message>
</context>
<context>
    <name>aegis::console::AlertListModel</name>
    <message>
        <source>Alert</source>
        <translation>告警</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>值</translation>
    </message>
    <message>
        <source>Labels</source>
        <translation>标签</translation>
    </message>
    <message>
        <source>Firing · silenced</source>
        <translation>触发中 · 已静默</translation>
    </message>
    <message>
        <source>Firing</source>
        <translation>触发中</translation>
    </message>
    <message>
        <source>Pending · silenced</source>
        <translation>待触发 · 已静默</translation>
    </message>
    <message>
        <source>Pending</source>
        <translation>待触发</translation>
    </message>
    <message>
        <source>Resolved</source>
        <translation>已恢复</translation>
    </message>
    <message>
        <source>Inactive</source>
        <translation>未激活</translation>
    </message>
</context>
<context>
    <name>aegis::console::AlertTreeModel</name>
    <message>
        <source>Firing</source>
        <translation>触发中</translation>
    </message>
    <message>
        <source>Pending</source>
        <translation>待触发</translation>
    </message>
    <message>
        <source>Resolved</source>
        <translation>已恢复</translation>
    </message>
    <message>
        <source>Inactive</source>
        <translation>未激活</translation>
    </message>
    <message>
        <source>Alert</source>
        <translation>告警</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>活动</translation>
    </message>
    <message>
        <source>Summary</source>
        <translation>摘要</translation>
    </message>
    <message>
        <source>(no service)</source>
        <translation>（无服务）</translation>
    </message>
    <message numerus="yes">
        <source>%n firing</source>
        <translation>
            <numerusform>%n 条触发中</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n pending</source>
        <translation>
            <numerusform>%n 条待触发</numerusform>
        </translation>
    </message>
    <message>
        <source>(no severity)</source>
        <translation>（无级别）</translation>
    </message>
    <message numerus="yes">
        <source>%n alert(s)</source>
        <translation>
            <numerusform>%n 条告警</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 · silenced</source>
        <translation>%1 · 已静默</translation>
    </message>
    <message>
        <source>firing for %1</source>
        <translation>触发已持续 %1</translation>
    </message>
    <message>
        <source>firing</source>
        <translation>触发中</translation>
    </message>
    <message>
        <source>pending for %1</source>
        <translation>待触发已持续 %1</translation>
    </message>
    <message>
        <source>pending</source>
        <translation>待触发</translation>
    </message>
</context>
<context>
    <name>aegis::console::AlertsPage</name>
    <message>
        <source>Alerts</source>
        <translation>告警</translation>
    </message>
    <message>
        <source>What is firing and pending, the rules that decide it, and silences</source>
        <translation>正在触发和待触发的告警、判定它们的规则，以及静默</translation>
    </message>
    <message>
        <source>Show expired</source>
        <translation>显示已过期</translation>
    </message>
    <message>
        <source>Expire</source>
        <translation>使失效</translation>
    </message>
    <message>
        <source>Alerts update as the daemon evaluates its rules</source>
        <translation>告警随服务端对规则的评估实时更新</translation>
    </message>
    <message>
        <source>The list shows what was loaded; it resumes when the daemon answers again</source>
        <translation>列表显示已加载的内容；服务端恢复响应后继续更新</translation>
    </message>
    <message>
        <source>New silence…</source>
        <translation>新建静默…</translation>
    </message>
    <message>
        <source>Silence alerts by their labels</source>
        <translation>按标签静默告警</translation>
    </message>
    <message>
        <source>Rules</source>
        <translation>规则</translation>
    </message>
    <message>
        <source>Silences</source>
        <translation>静默</translation>
    </message>
    <message>
        <source>Filter by labels: service=&quot;checkout&quot;, severity=~&quot;crit.*&quot;</source>
        <translation>按标签筛选：service=&quot;checkout&quot;, severity=~&quot;crit.*&quot;</translation>
    </message>
    <message>
        <source>End the selected silence now</source>
        <translation>立即结束所选静默</translation>
    </message>
    <message>
        <source>Expire silence</source>
        <translation>使静默失效</translation>
    </message>
    <message>
        <source>End silence %1 now? The alerts it silences notify again.</source>
        <translation>立即结束静默 %1？被它静默的告警将重新发送通知。</translation>
    </message>
    <message>
        <source>Could not expire silence %1: %2</source>
        <translation>无法使静默 %1 失效：%2</translation>
    </message>
    <message>
        <source>Could not list the alert rules: %1</source>
        <translation>无法列出告警规则：%1</translation>
    </message>
    <message>
        <source>Could not list the silences: %1</source>
        <translation>无法列出静默：%1</translation>
    </message>
    <message>
        <source>Alertmanager matchers; every one must match</source>
        <translation>Alertmanager 匹配器；须全部匹配</translation>
    </message>
    <message>
        <source>Silence %1 created.</source>
        <translation>已创建静默 %1。</translation>
    </message>
    <message>
        <source>%1 firing · %2 pending · %3 silenced</source>
        <translation>%1 条触发中 · %2 条待触发 · %3 条已静默</translation>
    </message>
    <message>
        <source>Your token (%1) has the viewer role: viewers read alerts, rules and silences but cannot change them.</source>
        <translation>您的令牌（%1）为 viewer 角色：viewer 可以查看告警、规则和静默，但不能修改。</translation>
    </message>
</context>
<context>
    <name>aegis::console::AppliedStatusModel</name>
    <message>
        <source>applied</source>
        <translation>已生效</translation>
    </message>
    <message>
        <source>applied (gray)</source>
        <translation>已生效（灰度）</translation>
    </message>
    <message>
        <source>behind: published is v%1</source>
        <translation>落后：已发布版本为 v%1</translation>
    </message>
    <message>
        <source>failed: %1</source>
        <translation>失败：%1</translation>
    </message>
    <message>
        <source>Instance</source>
        <translation>实例</translation>
    </message>
    <message>
        <source>Version</source>
        <translation>版本</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Acknowledged</source>
        <translation>确认时间</translation>
    </message>
</context>
<context>
    <name>aegis::console::AttentionModel</name>
    <message>
        <source>still routed</source>
        <translation>仍在路由</translation>
    </message>
    <message>
        <source>not routed</source>
        <translation>未路由</translation>
    </message>
    <message>
        <source>since %1</source>
        <translation>自 %1 起</translation>
    </message>
    <message>
        <source>Open in Services</source>
        <translation>在“服务”中打开</translation>
    </message>
    <message>
        <source>panic</source>
        <translation>恐慌模式</translation>
    </message>
    <message>
        <source>%1 of %2 instances unhealthy: discovery hands out every instance, unhealthy ones too</source>
        <translation>%2 个实例中有 %1 个不健康：服务发现会返回所有实例，包括不健康的实例</translation>
    </message>
    <message>
        <source>%1 %2</source>
        <translation>%1 %2</translation>
    </message>
    <message>
        <source>Retry or undo in Releases</source>
        <translation>在“发布”中重试或撤销</translation>
    </message>
    <message>
        <source>Open in Releases</source>
        <translation>在“发布”中打开</translation>
    </message>
    <message>
        <source>config failed</source>
        <translation>配置失败</translation>
    </message>
    <message>
        <source>%1 by %2, %3: %4</source>
        <translation>%1（%2，%3）：%4</translation>
    </message>
    <message>
        <source>Open in Audit</source>
        <translation>在“审计日志”中打开</translation>
    </message>
    <message>
        <source>%1 → %2</source>
        <translation>%1 → %2</translation>
    </message>
    <message>
        <source>step %1 of %2</source>
        <translation>第 %1 步，共 %2 步</translation>
    </message>
    <message>
        <source>Approve in Releases</source>
        <translation>在“发布”中审批</translation>
    </message>
    <message>
        <source>Promote in Releases</source>
        <translation>在“发布”中推进</translation>
    </message>
    <message>
        <source>Resume in Releases</source>
        <translation>在“发布”中继续</translation>
    </message>
    <message>
        <source>Watch in Releases</source>
        <translation>在“发布”中查看</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>What</source>
        <translation>内容</translation>
    </message>
    <message>
        <source>Rollout</source>
        <translation>发布</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>详情</translation>
    </message>
    <message>
        <source>Where to act</source>
        <translation>处理位置</translation>
    </message>
</context>
<context>
    <name>aegis::console::AuditDetailPane</name>
    <message>
        <source>Select a record to see its details.</source>
        <translation>选择一条记录以查看详情。</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Actor</source>
        <translation>操作者</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>角色</translation>
    </message>
    <message>
        <source>Peer</source>
        <translation>对端</translation>
    </message>
    <message>
        <source>Method</source>
        <translation>方法</translation>
    </message>
    <message>
        <source>Resource</source>
        <translation>资源</translation>
    </message>
    <message>
        <source>Summary</source>
        <translation>摘要</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>错误</translation>
    </message>
    <message>
        <source>Revision</source>
        <translation>修订号</translation>
    </message>
    <message>
        <source>Record id</source>
        <translation>记录 ID</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1（%2）</translation>
    </message>
    <message>
        <source>Succeeded</source>
        <translation>成功</translation>
    </message>
    <message>
        <source>Failed with %1</source>
        <translation>失败：%1</translation>
    </message>
</context>
<context>
    <name>aegis::console::AuditPage</name>
    <message>
        <source>Audit log</source>
        <translation>审计日志</translation>
    </message>
    <message>
        <source>Every mutation attempted through the API, newest first</source>
        <translation>通过 API 发起的每一次变更，最新的在前</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>Load more</source>
        <translation>加载更多</translation>
    </message>
    <message>
        <source>New records appear at the top as they are written</source>
        <translation>新记录写入后显示在顶部</translation>
    </message>
    <message>
        <source>Showing the records loaded before the daemon became unreachable</source>
        <translation>显示的是服务端无法访问之前加载的记录</translation>
    </message>
    <message>
        <source>Actor</source>
        <translation>操作者</translation>
    </message>
    <message>
        <source>Token name, exactly</source>
        <translation>令牌名称（精确匹配）</translation>
    </message>
    <message>
        <source>Method contains</source>
        <translation>方法包含</translation>
    </message>
    <message>
        <source>Resource prefix</source>
        <translation>资源前缀</translation>
    </message>
    <message>
        <source>Search loaded records…</source>
        <translation>搜索已加载的记录…</translation>
    </message>
    <message>
        <source>Any outcome</source>
        <translation>任意结果</translation>
    </message>
    <message>
        <source>Succeeded</source>
        <translation>成功</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>Any time</source>
        <translation>任意时间</translation>
    </message>
    <message>
        <source>Last 15 minutes</source>
        <translation>最近 15 分钟</translation>
    </message>
    <message>
        <source>Last hour</source>
        <translation>最近 1 小时</translation>
    </message>
    <message>
        <source>Last 24 hours</source>
        <translation>最近 24 小时</translation>
    </message>
    <message>
        <source>Last 7 days</source>
        <translation>最近 7 天</translation>
    </message>
    <message>
        <source>Custom range…</source>
        <translation>自定义范围…</translation>
    </message>
    <message>
        <source>From (inclusive)</source>
        <translation>起始（含）</translation>
    </message>
    <message>
        <source>To (exclusive)</source>
        <translation>结束（不含）</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>清除</translation>
    </message>
    <message>
        <source>Clear all filters</source>
        <translation>清除所有筛选条件</translation>
    </message>
    <message>
        <source>Could not load records: %1</source>
        <translation>无法加载记录：%1</translation>
    </message>
    <message numerus="yes">
        <source>%n record(s) loaded</source>
        <translation>
            <numerusform>已加载 %n 条记录</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%1 of %n loaded record(s) match the search</source>
        <translation>
            <numerusform>已加载的 %n 条记录中有 %1 条匹配搜索</numerusform>
        </translation>
    </message>
    <message>
        <source> · end of the log</source>
        <translation> · 已到日志末尾</translation>
    </message>
</context>
<context>
    <name>aegis::console::AuditRecordModel</name>
    <message>
        <source>OK</source>
        <translation>成功</translation>
    </message>
    <message>
        <source>Succeeded</source>
        <translation>成功</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Actor</source>
        <translation>操作者</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>角色</translation>
    </message>
    <message>
        <source>Method</source>
        <translation>方法</translation>
    </message>
    <message>
        <source>Resource</source>
        <translation>资源</translation>
    </message>
    <message>
        <source>Summary</source>
        <translation>摘要</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>At</source>
        <translation>时间</translation>
    </message>
</context>
<context>
    <name>aegis::console::CanaryStepsEditor</name>
    <message>
        <source>Add step</source>
        <translation>添加步骤</translation>
    </message>
    <message>
        <source>Add a step after the last one</source>
        <translation>在最后一步之后添加一个步骤</translation>
    </message>
    <message>
        <source>The new colour&apos;s share of the traffic in this step</source>
        <translation>新颜色在此步骤中承接的流量比例</translation>
    </message>
    <message>
        <source>no pause</source>
        <translation>不暂停</translation>
    </message>
    <message>
        <source>How long to wait at this weight before the next step (&quot;30s&quot;, &quot;2m&quot;); empty: go on once the weight is applied</source>
        <translation>在此权重停留多久再进入下一步（如“30s”“2m”）；留空表示权重生效后立即继续</translation>
    </message>
    <message>
        <source>until promoted</source>
        <translation>等待推进</translation>
    </message>
    <message>
        <source>Wait at this weight until someone promotes the rollout</source>
        <translation>停在此权重，直到有人推进发布</translation>
    </message>
    <message>
        <source>Remove this step</source>
        <translation>删除此步骤</translation>
    </message>
    <message>
        <source>Step %1: the pause &quot;%2&quot; is not a duration (like 30s or 2m)</source>
        <translation>第 %1 步：暂停时长“%2”不是有效时长（如 30s 或 2m）</translation>
    </message>
</context>
<context>
    <name>aegis::console::CodeEditor</name>
    <message>
        <source>Line %1: %2</source>
        <translation>第 %1 行：%2</translation>
    </message>
</context>
<context>
    <name>aegis::console::ConfigAppliedPanel</name>
    <message>
        <source>Instances acknowledge what they applied (libaegis-client does it after each change); refreshed every few seconds while shown.</source>
        <translation>实例会确认自己已生效的版本（libaegis-client 在每次变更后自动确认）；显示期间每隔几秒刷新一次。</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>加载中…</translation>
    </message>
    <message>
        <source>Could not load the applied status: %1 (%2)</source>
        <translation>无法加载生效状态：%1（%2）</translation>
    </message>
    <message>
        <source>No instance has acknowledged a version yet</source>
        <translation>尚无实例确认任何版本</translation>
    </message>
</context>
<context>
    <name>aegis::console::ConfigGrayPanel</name>
    <message>
        <source>Start gray release</source>
        <translation>开始灰度发布</translation>
    </message>
    <message>
        <source>Promote to everyone</source>
        <translation>全量发布</translation>
    </message>
    <message>
        <source>Cancel gray release</source>
        <translation>取消灰度发布</translation>
    </message>
    <message>
        <source>Instances matching a label selector</source>
        <translation>匹配标签选择器的实例</translation>
    </message>
    <message>
        <source>These instance ids</source>
        <translation>指定的实例 ID</translation>
    </message>
    <message>
        <source>A percentage of instances</source>
        <translation>按比例选择实例</translation>
    </message>
    <message>
        <source>checkout-1, checkout-2</source>
        <translation>checkout-1, checkout-2</translation>
    </message>
    <message>
        <source>Chosen by a stable hash of the instance id, so the same instances stay in the gray release</source>
        <translation>按实例 ID 的稳定哈希选取，同一批实例始终留在灰度中</translation>
    </message>
    <message>
        <source>Why (required)</source>
        <translation>原因（必填）</translation>
    </message>
    <message>
        <source>Release the content in the editor to some instances first; the rest keep the published version until you promote it.</source>
        <translation>先将编辑器中的内容发布给部分实例；其余实例保持已发布版本，直到您全量发布。</translation>
    </message>
    <message>
        <source>Release to</source>
        <translation>发布到</translation>
    </message>
    <message>
        <source>Comment</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Name the instances with a label selector, e.g. zone=a.</source>
        <translation>用标签选择器指定实例，例如 zone=a。</translation>
    </message>
    <message>
        <source>List at least one instance id.</source>
        <translation>至少填写一个实例 ID。</translation>
    </message>
    <message>
        <source>A comment is required: say what the gray release tries out.</source>
        <translation>备注为必填项：说明这次灰度要验证什么。</translation>
    </message>
    <message>
        <source>Started a gray release to %1</source>
        <translation>已向 %1 开始灰度发布</translation>
    </message>
    <message>
        <source>Starting the gray release…</source>
        <translation>正在开始灰度发布…</translation>
    </message>
    <message>
        <source>Promoted gray v%1 to every instance</source>
        <translation>已将灰度版本 v%1 全量发布到所有实例</translation>
    </message>
    <message>
        <source>promote gray v%1</source>
        <translation>全量发布灰度版本 v%1</translation>
    </message>
    <message>
        <source>Cancelled gray v%1; its instances are back on v%2</source>
        <translation>已取消灰度版本 v%1；相关实例已恢复到 v%2</translation>
    </message>
    <message>
        <source>Refused: %1 (%2)</source>
        <translation>被拒绝：%1（%2）</translation>
    </message>
    <message>
        <source>%1 (recorded in the audit log)</source>
        <translation>%1（已记入审计日志）</translation>
    </message>
    <message>
        <source>&lt;b&gt;Gray release v%1 in progress&lt;/b&gt; to %2, started by %3 at %4.&lt;br&gt;Every other instance stays on the published v%5. Promote publishes v%1 to everyone; cancel returns its instances to v%5.</source>
        <translation>&lt;b&gt;灰度版本 v%1 发布中&lt;/b&gt;，范围：%2，由 %3 于 %4 发起。&lt;br&gt;其他实例保持已发布的 v%5。全量发布会将 v%1 发布给所有实例；取消则让灰度实例恢复到 v%5。</translation>
    </message>
    <message>
        <source>someone</source>
        <translation>某人</translation>
    </message>
</context>
<context>
    <name>aegis::console::ConfigHistoryPanel</name>
    <message>
        <source>Roll back…</source>
        <translation>回滚…</translation>
    </message>
    <message>
        <source>Older</source>
        <translation>更早</translation>
    </message>
    <message>
        <source>Newer</source>
        <translation>更新</translation>
    </message>
    <message>
        <source>Select a version to see what it changed, or two to compare them.</source>
        <translation>选择一个版本查看其改动，或选择两个版本进行对比。</translation>
    </message>
    <message>
        <source>Select one version to see what it changed; Ctrl-click a second to compare the two.</source>
        <translation>选择一个版本查看其改动；按住 Ctrl 再点一个即可对比两者。</translation>
    </message>
    <message>
        <source>Could not list the versions: %1 (%2)</source>
        <translation>无法列出版本：%1（%2）</translation>
    </message>
    <message numerus="yes">
        <source>%n version(s)</source>
        <translation>
            <numerusform>%n 个版本</numerusform>
        </translation>
    </message>
    <message>
        <source>No diff: %1 (%2)</source>
        <translation>无法对比：%1（%2）</translation>
    </message>
    <message>
        <source>v%1</source>
        <translation>v%1</translation>
    </message>
    <message>
        <source>v%1 and v%2 have the same content.</source>
        <translation>v%1 与 v%2 内容相同。</translation>
    </message>
    <message>
        <source>Not rolled back: someone published meanwhile. The history is reloaded; check it and try again.</source>
        <translation>未回滚：期间有人发布了新版本。历史已重新加载，请检查后重试。</translation>
    </message>
    <message>
        <source>Not rolled back: %1 (%2)</source>
        <translation>未回滚：%1（%2）</translation>
    </message>
    <message>
        <source>Rolled back: v%1 restores v%2 (recorded in the audit log)</source>
        <translation>已回滚：v%1 恢复了 v%2 的内容（已记入审计日志）</translation>
    </message>
    <message>
        <source>Select at most two versions to compare.</source>
        <translation>最多选择两个版本进行对比。</translation>
    </message>
    <message>
        <source>Nothing</source>
        <translation>无</translation>
    </message>
    <message>
        <source>Loading v%1…</source>
        <translation>正在加载 v%1…</translation>
    </message>
    <message>
        <source>Could not load v%1: %2 (%3)</source>
        <translation>无法加载 v%1：%2（%3）</translation>
    </message>
    <message>
        <source>Loading the diff of v%1 and v%2…</source>
        <translation>正在加载 v%1 与 v%2 的差异…</translation>
    </message>
    <message>
        <source>Roll back %1</source>
        <translation>回滚 %1</translation>
    </message>
    <message>
        <source>Publish the content of v%1 again as v%2, replacing v%3 for every instance.
Comment (required):</source>
        <translation>将 v%1 的内容重新发布为 v%2，替换所有实例上的 v%3。
备注（必填）：</translation>
    </message>
    <message>
        <source>Rolling back to v%1…</source>
        <translation>正在回滚到 v%1…</translation>
    </message>
    <message>
        <source>Roll back to v%1…</source>
        <translation>回滚到 v%1…</translation>
    </message>
    <message>
        <source>v%1 is the published version</source>
        <translation>v%1 是当前已发布版本</translation>
    </message>
    <message>
        <source>Publish the selected version&apos;s content again</source>
        <translation>将所选版本的内容重新发布</translation>
    </message>
</context>
<context>
    <name>aegis::console::ConfigPage</name>
    <message>
        <source>Configuration</source>
        <translation>配置</translation>
    </message>
    <message>
        <source>Configuration center: namespaces, groups and keys</source>
        <translation>配置中心：命名空间、分组和配置项</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>Revert</source>
        <translation>还原</translation>
    </message>
    <message>
        <source>Review and publish…</source>
        <translation>检查并发布…</translation>
    </message>
    <message>
        <source>Pretty</source>
        <translation>格式化</translation>
    </message>
    <message>
        <source>Items change here as they are published, in the selected item&apos;s namespace</source>
        <translation>配置项发布后在此更新（限所选配置项所在的命名空间）</translation>
    </message>
    <message>
        <source>Showing the items loaded before the daemon became unreachable</source>
        <translation>显示的是服务端无法访问之前加载的配置项</translation>
    </message>
    <message>
        <source>Proposals…</source>
        <translation>变更提案…</translation>
    </message>
    <message>
        <source>Approve or reject the changes awaiting approval</source>
        <translation>审批或驳回等待审批的变更</translation>
    </message>
    <message>
        <source>Search namespaces, groups and keys</source>
        <translation>搜索命名空间、分组和配置项</translation>
    </message>
    <message>
        <source>Select a key to view and edit it</source>
        <translation>选择一个配置项进行查看和编辑</translation>
    </message>
    <message>
        <source>Line %1, column %2: %3</source>
        <translation>第 %1 行，第 %2 列：%3</translation>
    </message>
    <message>
        <source>Editor</source>
        <translation>编辑器</translation>
    </message>
    <message>
        <source>History</source>
        <translation>历史</translation>
    </message>
    <message>
        <source>Gray release</source>
        <translation>灰度发布</translation>
    </message>
    <message>
        <source>Applied</source>
        <translation>生效状态</translation>
    </message>
    <message>
        <source>Could not load %1: %2 (%3)</source>
        <translation>无法加载 %1：%2（%3）</translation>
    </message>
    <message>
        <source>%1 was deleted. Publishing your edit creates it again.</source>
        <translation>%1 已被删除。发布您的修改会重新创建它。</translation>
    </message>
    <message>
        <source>Discard your edit?</source>
        <translation>放弃修改？</translation>
    </message>
    <message>
        <source>Your edit of %1 is not published. Open another item and discard it?</source>
        <translation>您对 %1 的修改尚未发布。打开其他配置项并放弃修改？</translation>
    </message>
    <message>
        <source>Discard edit</source>
        <translation>放弃修改</translation>
    </message>
    <message numerus="yes">
        <source>%1: %n item(s). Select a key to view and edit it.</source>
        <translation>
            <numerusform>%1：%n 个配置项。选择一个配置项进行查看和编辑。</numerusform>
        </translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>加载中…</translation>
    </message>
    <message>
        <source>%1 is now v%2%3</source>
        <translation>%1 已更新为 v%2%3</translation>
    </message>
    <message>
        <source>, published by %1</source>
        <translation>，由 %1 发布</translation>
    </message>
    <message>
        <source>%1 published v%2 while you were editing v%3%4. Your edit is kept; review and publish shows their version beside it.</source>
        <translation>您编辑 v%3 期间，%1 发布了 v%2%4。您的修改已保留；“检查并发布”会将对方的版本与之并排显示。</translation>
    </message>
    <message>
        <source>Someone</source>
        <translation>有人</translation>
    </message>
    <message>
        <source>Load v%1, discard my edit</source>
        <translation>加载 v%1，放弃我的修改</translation>
    </message>
    <message>
        <source>Your token (%1) has the viewer role: viewers read configuration but cannot publish, roll back or release it.</source>
        <translation>您的令牌（%1）为 viewer 角色：viewer 可以查看配置，但不能发布、回滚或灰度发布。</translation>
    </message>
    <message>
        <source>This secret is masked for your role; its content cannot be edited here.</source>
        <translation>此密文对您的角色已脱敏，无法在此编辑其内容。</translation>
    </message>
    <message>
        <source>Published %1 v%2 (recorded in the audit log)</source>
        <translation>已发布 %1 v%2（已记入审计日志）</translation>
    </message>
    <message>
        <source>%1 requires approval: your change is proposal %2, waiting for another operator to approve it. The edit stays here until then.</source>
        <translation>%1 需要审批：您的修改已成为提案 %2，等待其他运维人员审批。在此之前修改保留在这里。</translation>
    </message>
    <message>
        <source>v%1</source>
        <translation>v%1</translation>
    </message>
    <message>
        <source>published by %1 at %2</source>
        <translation>由 %1 于 %2 发布</translation>
    </message>
    <message>
        <source>published by %1</source>
        <translation>由 %1 发布</translation>
    </message>
    <message>
        <source>secret (masked for you)</source>
        <translation>密文（已对您脱敏）</translation>
    </message>
    <message>
        <source>secret</source>
        <translation>密文</translation>
    </message>
    <message>
        <source>gray v%1 to %2</source>
        <translation>灰度 v%1 到 %2</translation>
    </message>
    <message>
        <source>checked against a JSON Schema</source>
        <translation>已按 JSON Schema 校验</translation>
    </message>
    <message>
        <source>Edit the content first</source>
        <translation>请先编辑内容</translation>
    </message>
    <message>
        <source>Fix the problem under the editor first</source>
        <translation>请先修正编辑器下方提示的问题</translation>
    </message>
    <message>
        <source>See your edit beside the published version, then publish it with a comment</source>
        <translation>将您的修改与已发布版本并排对比，然后填写备注发布</translation>
    </message>
    <message>
        <source>Publish or revert your edit first</source>
        <translation>请先发布或还原您的修改</translation>
    </message>
    <message>
        <source>Show the JSON one member per line (on) or as it was published (off); an edit is published as shown</source>
        <translation>以每行一个成员的格式显示 JSON（开），或按发布时的原样显示（关）；修改将按显示的格式发布</translation>
    </message>
    <message>
        <source>Discard your edit and show the published content again</source>
        <translation>放弃修改，重新显示已发布的内容</translation>
    </message>
    <message>
        <source>Read-only</source>
        <translation>只读</translation>
    </message>
    <message>
        <source>Edited — based on v%1, not published</source>
        <translation>已修改 — 基于 v%1，尚未发布</translation>
    </message>
    <message>
        <source>No changes</source>
        <translation>无改动</translation>
    </message>
    <message numerus="yes">
        <source>%n item(s) in </source>
        <translation>
            <numerusform>%n 个配置项，分布在 </numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n namespace(s)</source>
        <translation>
            <numerusform>%n 个命名空间</numerusform>
        </translation>
    </message>
    <message>
        <source>, %1 watched live</source>
        <translation>，%1 个实时监听</translation>
    </message>
    <message>
        <source>Could not list the configuration: %1</source>
        <translation>无法列出配置：%1</translation>
    </message>
    <message numerus="yes">
        <source>%n item(s)</source>
        <translation>
            <numerusform>%n 个配置项</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>aegis::console::ConfigProposalModel</name>
    <message>
        <source>Namespace</source>
        <translation>命名空间</translation>
    </message>
    <message>
        <source>Proposal</source>
        <translation>提案</translation>
    </message>
    <message>
        <source>Proposed by</source>
        <translation>提出人</translation>
    </message>
    <message>
        <source>Changes</source>
        <translation>改动</translation>
    </message>
    <message>
        <source>Comment</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Proposed</source>
        <translation>提出时间</translation>
    </message>
    <message>
        <source>%1 (on v%2)</source>
        <translation>%1（基于 v%2）</translation>
    </message>
    <message>
        <source>%1 (new item)</source>
        <translation>%1（新配置项）</translation>
    </message>
    <message>
        <source>Approve proposal %1 of %2?</source>
        <translation>审批通过 %2 的提案 %1？</translation>
    </message>
    <message>
        <source>Publishes %1 of %2 to every instance that reads it.</source>
        <translation>将 %2 的 %1 发布给所有读取它的实例。</translation>
    </message>
    <message>
        <source>Publishes %1 items of %2 at once to every instance that reads them: %3.</source>
        <translation>一次性将 %2 的 %1 个配置项发布给所有读取它们的实例：%3。</translation>
    </message>
    <message>
        <source>Proposed by %1%2. The daemon refuses if an item changed since it was proposed.</source>
        <translation>由 %1 提出%2。如果提出后配置项有变化，服务端将拒绝。</translation>
    </message>
    <message>
        <source>Approve and publish</source>
        <translation>通过并发布</translation>
    </message>
    <message>
        <source>Why: recorded in the audit log</source>
        <translation>原因：记录在审计日志中</translation>
    </message>
    <message>
        <source>Reject proposal %1 of %2?</source>
        <translation>驳回 %2 的提案 %1？</translation>
    </message>
    <message>
        <source>Closes the proposal; nothing is published (%1).</source>
        <translation>关闭该提案，不发布任何内容（%1）。</translation>
    </message>
    <message>
        <source>%1 sees the proposal rejected with your reason.</source>
        <translation>%1 会看到提案被驳回及您填写的原因。</translation>
    </message>
    <message>
        <source>Reject</source>
        <translation>驳回</translation>
    </message>
    <message>
        <source>Why: shown with the proposal and in the audit log</source>
        <translation>原因：随提案显示并记录在审计日志中</translation>
    </message>
</context>
<context>
    <name>aegis::console::ConfigProposalsDialog</name>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>Approve…</source>
        <translation>通过…</translation>
    </message>
    <message>
        <source>Reject…</source>
        <translation>驳回…</translation>
    </message>
    <message>
        <source>Configuration proposals</source>
        <translation>配置变更提案</translation>
    </message>
    <message>
        <source>Proposals awaiting approval</source>
        <translation>等待审批的提案</translation>
    </message>
    <message>
        <source>Select a proposal to see its changes</source>
        <translation>选择一个提案查看其改动</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>加载中…</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
    <message>
        <source>No proposal awaits approval. In a namespace that requires approval, a published change becomes a proposal that someone else approves here.</source>
        <translation>没有等待审批的提案。在需要审批的命名空间中，发布的修改会成为提案，由其他人在此审批。</translation>
    </message>
    <message>
        <source>1 proposal awaits approval. The proposer cannot approve their own (an admin can).</source>
        <translation>有 1 个提案等待审批。提出人不能审批自己的提案（管理员可以）。</translation>
    </message>
    <message>
        <source>%1 proposals await approval. The proposer cannot approve their own (an admin can).</source>
        <translation>有 %1 个提案等待审批。提出人不能审批自己的提案（管理员可以）。</translation>
    </message>
    <message>
        <source>Could not list every proposal: %1</source>
        <translation>无法列出全部提案：%1</translation>
    </message>
    <message>
        <source>── %1 (replaces version %2)</source>
        <translation>── %1（替换版本 %2）</translation>
    </message>
    <message>
        <source>── %1 (a new item)</source>
        <translation>── %1（新配置项）</translation>
    </message>
    <message>
        <source>Your token (%1) has the viewer role: viewers cannot approve or reject</source>
        <translation>您的令牌（%1）为 viewer 角色：viewer 不能审批或驳回</translation>
    </message>
    <message>
        <source>Select a proposal first</source>
        <translation>请先选择一个提案</translation>
    </message>
    <message>
        <source>Waiting for the daemon to answer</source>
        <translation>正在等待服务端响应</translation>
    </message>
    <message>
        <source>Could not approve %1 of %2: %3 (%4)</source>
        <translation>无法通过 %2 的 %1：%3（%4）</translation>
    </message>
    <message>
        <source>Could not reject %1 of %2: %3 (%4)</source>
        <translation>无法驳回 %2 的 %1：%3（%4）</translation>
    </message>
    <message>
        <source>Approved %1 of %2 and published it (recorded in the audit log).</source>
        <translation>已通过 %2 的 %1 并发布（已记入审计日志）。</translation>
    </message>
    <message>
        <source>Rejected %1 of %2 (recorded in the audit log).</source>
        <translation>已驳回 %2 的 %1（已记入审计日志）。</translation>
    </message>
</context>
<context>
    <name>aegis::console::ConfigPublishDialog</name>
    <message>
        <source>Review and publish — %1</source>
        <translation>检查并发布 — %1</translation>
    </message>
    <message>
        <source>Review and publish %1</source>
        <translation>检查并发布 %1</translation>
    </message>
    <message>
        <source>Your edit against the published %1. Publishing creates v%2, unless someone publishes first.</source>
        <translation>您的修改与已发布的 %1 的对比。发布将生成 v%2，除非有人先发布。</translation>
    </message>
    <message>
        <source>Publishing creates the item at v1.</source>
        <translation>发布后将以 v1 创建该配置项。</translation>
    </message>
    <message>
        <source>Published v%1</source>
        <translation>已发布 v%1</translation>
    </message>
    <message>
        <source>Nothing published</source>
        <translation>尚未发布</translation>
    </message>
    <message>
        <source>Your edit</source>
        <translation>您的修改</translation>
    </message>
    <message>
        <source>Why: what changes and for whom (required)</source>
        <translation>原因：改了什么、影响谁（必填）</translation>
    </message>
    <message>
        <source>Comment</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Publish</source>
        <translation>发布</translation>
    </message>
    <message>
        <source>Publish over theirs</source>
        <translation>覆盖对方版本发布</translation>
    </message>
    <message>
        <source>Publish your edit as it is, replacing their version</source>
        <translation>按原样发布您的修改，替换对方的版本</translation>
    </message>
    <message>
        <source>Discard my edit</source>
        <translation>放弃我的修改</translation>
    </message>
    <message>
        <source>Give up your edit and load their version into the editor</source>
        <translation>放弃您的修改，将对方的版本载入编辑器</translation>
    </message>
    <message>
        <source>A comment is required: say what changes and why. It is kept with the version and in the audit log.</source>
        <translation>备注为必填项：说明改了什么以及原因。它会随版本一起保存并记入审计日志。</translation>
    </message>
    <message>
        <source>&lt;b&gt;Someone else published first.&lt;/b&gt; %1 published %2 while you were editing v%3. Below, their version beside your edit: publish over theirs to replace it, or discard your edit to continue from theirs.</source>
        <translation>&lt;b&gt;有人先发布了。&lt;/b&gt;您编辑 v%3 期间，%1 发布了 %2。下方是对方的版本与您的修改并排对比：可以覆盖对方版本发布，或放弃您的修改并基于对方版本继续。</translation>
    </message>
    <message>
        <source>Someone</source>
        <translation>有人</translation>
    </message>
    <message>
        <source>Theirs: v%1 by %2</source>
        <translation>对方：v%1，由 %2 发布</translation>
    </message>
    <message>
        <source>Someone published meanwhile, but their version could not be loaded: %1 (%2)</source>
        <translation>期间有人发布了新版本，但无法加载该版本：%1（%2）</translation>
    </message>
    <message>
        <source>The daemon refused to publish: %1 (%2)</source>
        <translation>服务端拒绝发布：%1（%2）</translation>
    </message>
    <message>
        <source>Publish conflict — %1</source>
        <translation>发布冲突 — %1</translation>
    </message>
    <message>
        <source>Someone published %1 first</source>
        <translation>有人先发布了 %1</translation>
    </message>
    <message>
        <source>Publishing…</source>
        <translation>正在发布…</translation>
    </message>
    <message>
        <source>Someone published meanwhile; loading their version…</source>
        <translation>期间有人发布了新版本，正在加载…</translation>
    </message>
    <message>
        <source>Publishing over theirs creates v%1 from your edit.</source>
        <translation>覆盖对方版本发布将以您的修改生成 v%1。</translation>
    </message>
</context>
<context>
    <name>aegis::console::ConfigTreeModel</name>
    <message>
        <source> · gray v%1</source>
        <translation> · 灰度 v%1</translation>
    </message>
    <message>
        <source>● edited · %1</source>
        <translation>● 已修改 · %1</translation>
    </message>
    <message>
        <source>%1
%2, version %3</source>
        <translation>%1
%2，版本 %3</translation>
    </message>
    <message>
        <source>, published by %1</source>
        <translation>，由 %1 发布</translation>
    </message>
    <message>
        <source> at %1</source>
        <translation>，于 %1</translation>
    </message>
    <message>
        <source>
Secret: encrypted at rest, masked for viewers</source>
        <translation>
密文：静态加密存储，对 viewer 脱敏</translation>
    </message>
    <message>
        <source>
Gray release v%1 to %2</source>
        <translation>
灰度版本 v%1 发布到 %2</translation>
    </message>
    <message>
        <source>
Edited in the editor, not published</source>
        <translation>
已在编辑器中修改，尚未发布</translation>
    </message>
    <message numerus="yes">
        <source>%n item(s)</source>
        <translation>
            <numerusform>%n 个配置项</numerusform>
        </translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Version</source>
        <translation>版本</translation>
    </message>
</context>
<context>
    <name>aegis::console::ConfigVersionModel</name>
    <message>
        <source>rollback to v%1</source>
        <translation>回滚到 v%1</translation>
    </message>
    <message>
        <source>promotion of v%1</source>
        <translation>全量发布 v%1</translation>
    </message>
    <message>
        <source>Version</source>
        <translation>版本</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Author</source>
        <translation>作者</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Comment</source>
        <translation>备注</translation>
    </message>
</context>
<context>
    <name>aegis::console::ConnectionBanner</name>
    <message>
        <source>Retry now</source>
        <translation>立即重试</translation>
    </message>
    <message>
        <source>Showing data from %1.</source>
        <translation>显示的是 %1 的数据。</translation>
    </message>
    <message>
        <source>No data loaded yet.</source>
        <translation>尚未加载任何数据。</translation>
    </message>
    <message>
        <source>&lt;b&gt;Daemon unreachable&lt;/b&gt; at %1: %2. %3 Retrying in %4 s.</source>
        <translation>&lt;b&gt;服务端无法访问&lt;/b&gt;：%1，%2。%3 %4 秒后重试。</translation>
    </message>
</context>
<context>
    <name>aegis::console::ConnectionProfilesDialog</name>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>Connection profiles</source>
        <translation>连接配置</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>添加</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>none: plaintext</source>
        <translation>无：明文</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>the address&apos;s host</source>
        <translation>地址中的主机名</translation>
    </message>
    <message>
        <source>Read from a token file</source>
        <translation>从令牌文件读取</translation>
    </message>
    <message>
        <source>Enter a token</source>
        <translation>输入令牌</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>TLS CA certificate</source>
        <translation>TLS CA 证书</translation>
    </message>
    <message>
        <source>CA certificate</source>
        <translation>CA 证书</translation>
    </message>
    <message>
        <source>Client certificate</source>
        <translation>客户端证书</translation>
    </message>
    <message>
        <source>Client key</source>
        <translation>客户端私钥</translation>
    </message>
    <message>
        <source>TLS server name</source>
        <translation>TLS 服务器名称</translation>
    </message>
    <message>
        <source>Token</source>
        <translation>令牌</translation>
    </message>
    <message>
        <source>Token file</source>
        <translation>令牌文件</translation>
    </message>
    <message>
        <source>Token value</source>
        <translation>令牌值</translation>
    </message>
    <message>
        <source>Connect</source>
        <translation>连接</translation>
    </message>
    <message>
        <source>kept; type to replace</source>
        <translation>已保存；输入新值以替换</translation>
    </message>
    <message>
        <source>paste the bearer token</source>
        <translation>粘贴 Bearer 令牌</translation>
    </message>
    <message>
        <source>profile-%1</source>
        <translation>profile-%1</translation>
    </message>
    <message>
        <source>Every profile needs a name.</source>
        <translation>每个连接配置都需要名称。</translation>
    </message>
    <message>
        <source>Two profiles are named &quot;%1&quot;.</source>
        <translation>有两个连接配置都叫“%1”。</translation>
    </message>
    <message>
        <source>Profile &quot;%1&quot;: mutual TLS needs both a certificate and a key.</source>
        <translation>连接配置“%1”：双向 TLS 需要同时提供证书和私钥。</translation>
    </message>
    <message>
        <source>HOST:PORT of aegisd; for a highly available control plane, every replica&apos;s HOST:PORT separated by commas: the console connects to the first that answers and moves on when it goes away.</source>
        <translation>aegisd 的 HOST:PORT；高可用控制平面请填写每个副本的 HOST:PORT，以逗号分隔：控制台连接第一个响应的副本，它断开时自动切换到下一个。</translation>
    </message>
    <message>
        <source>Profile &quot;%1&quot;: the address must be HOST:PORT, or the replicas&apos; HOST:PORT separated by commas.</source>
        <translation>连接配置“%1”：地址须为 HOST:PORT，或以逗号分隔的各副本 HOST:PORT。</translation>
    </message>
</context>
<context>
    <name>aegis::console::CriticalHealthNotifier</name>
    <message>
        <source>Aegis Console</source>
        <translation>Aegis 控制台</translation>
    </message>
    <message>
        <source>%1 is critical</source>
        <translation>%1 状态严重</translation>
    </message>
    <message>
        <source>Its health check is failing.</source>
        <translation>其健康检查失败。</translation>
    </message>
    <message numerus="yes">
        <source>%n instance(s) went critical</source>
        <translation>
            <numerusform>%n 个实例变为严重</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 — %2</source>
        <translation>%1 — %2</translation>
    </message>
    <message numerus="yes">
        <source>and %n more</source>
        <translation>
            <numerusform>另有 %n 个</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 on %2</source>
        <translation>%2 上的 %1</translation>
    </message>
    <message>
        <source>%1 is firing</source>
        <translation>%1 正在触发</translation>
    </message>
    <message>
        <source>%1 is firing on %2</source>
        <translation>%1 正在 %2 上触发</translation>
    </message>
    <message>
        <source>A critical alert started firing.</source>
        <translation>一条严重级别的告警开始触发。</translation>
    </message>
    <message numerus="yes">
        <source>%n critical alert(s) firing</source>
        <translation>
            <numerusform>%n 条严重告警正在触发</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>aegis::console::DeploymentLogDialog</name>
    <message>
        <source>Logs of %1</source>
        <translation>%1 的日志</translation>
    </message>
    <message>
        <source>Instance</source>
        <translation>实例</translation>
    </message>
</context>
<context>
    <name>aegis::console::DeploymentLogView</name>
    <message>
        <source>Follow</source>
        <translation>跟随</translation>
    </message>
    <message>
        <source>Search the log</source>
        <translation>搜索日志</translation>
    </message>
    <message>
        <source>Previous</source>
        <translation>上一个</translation>
    </message>
    <message>
        <source>Previous match (Shift+Enter)</source>
        <translation>上一个匹配（Shift+Enter）</translation>
    </message>
    <message>
        <source>Next</source>
        <translation>下一个</translation>
    </message>
    <message>
        <source>Next match (Enter)</source>
        <translation>下一个匹配（Enter）</translation>
    </message>
    <message>
        <source>Stream new lines as the instance writes them and keep the newest in sight; off, the log stays as it is</source>
        <translation>实时输出实例写入的新行，并始终显示最新内容；关闭后日志保持不动</translation>
    </message>
    <message numerus="yes">
        <source>Not following: %n line(s) shown</source>
        <translation>
            <numerusform>未跟随：显示 %n 行</numerusform>
        </translation>
    </message>
    <message>
        <source>No instance selected</source>
        <translation>未选择实例</translation>
    </message>
    <message>
        <source>Loading the log of %1…</source>
        <translation>正在加载 %1 的日志…</translation>
    </message>
    <message>
        <source>The log was truncated or replaced; showing it from its new start</source>
        <translation>日志已被截断或替换；从新的开头显示</translation>
    </message>
    <message>
        <source>Following %1 (the newest %2 lines are kept)</source>
        <translation>正在跟随 %1（保留最新的 %2 行）</translation>
    </message>
    <message>
        <source>Not following %1: %2</source>
        <translation>未跟随 %1：%2</translation>
    </message>
    <message>
        <source>no match</source>
        <translation>无匹配</translation>
    </message>
    <message>
        <source>%1 of %2</source>
        <translation>第 %1 个，共 %2 个</translation>
    </message>
</context>
<context>
    <name>aegis::console::DiffView</name>
    <message>
        <source>BEFORE</source>
        <translation>修改前</translation>
    </message>
    <message>
        <source>AFTER</source>
        <translation>修改后</translation>
    </message>
    <message>
        <source>No changes</source>
        <translation>无改动</translation>
    </message>
    <message>
        <source>%1 added, %2 removed</source>
        <translation>新增 %1 行，删除 %2 行</translation>
    </message>
    <message numerus="yes">
        <source>%n line(s)</source>
        <translation>
            <numerusform>%n 行</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>aegis::console::HealthCheckDialog</name>
    <message>
        <source>Reload</source>
        <translation>重新加载</translation>
    </message>
    <message>
        <source>Health check — %1</source>
        <translation>健康检查 — %1</translation>
    </message>
    <message>
        <source>Load the check as it is now, discarding your edits</source>
        <translation>加载当前的检查配置，放弃您的修改</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Health check of %1</source>
        <translation>%1 的健康检查</translation>
    </message>
    <message>
        <source>Could not load the kinds of health check this daemon offers: %1 (%2).</source>
        <translation>无法加载此服务端支持的健康检查类型：%1（%2）。</translation>
    </message>
    <message>
        <source>%1 — %2</source>
        <translation>%1 — %2</translation>
    </message>
    <message>
        <source>Name=Value, one a line (%1)</source>
        <translation>Name=Value，每行一个（%1）</translation>
    </message>
    <message>
        <source>%1s</source>
        <translation>%1 秒</translation>
    </message>
    <message>
        <source>%1 (required)</source>
        <translation>%1（必填）</translation>
    </message>
    <message>
        <source>the instance&apos;s port</source>
        <translation>实例的端口</translation>
    </message>
    <message>
        <source>The port probed; an instance may override it with the metadata entry health.port</source>
        <translation>探测的端口；实例可用元数据项 health.port 覆盖</translation>
    </message>
    <message>
        <source>Time between probes: 100ms to 1h</source>
        <translation>两次探测的间隔：100ms 到 1h</translation>
    </message>
    <message>
        <source>How long one probe may take: 10ms up to the interval</source>
        <translation>单次探测的最长耗时：10ms 到间隔时长</translation>
    </message>
    <message>
        <source> passing in a row</source>
        <translation> 次连续成功</translation>
    </message>
    <message>
        <source>Consecutive passing results before the instance counts as passing</source>
        <translation>连续成功多少次后实例视为正常</translation>
    </message>
    <message>
        <source> failing in a row</source>
        <translation> 次连续失败</translation>
    </message>
    <message>
        <source>Consecutive failing results before the instance counts as critical</source>
        <translation>连续失败多少次后实例视为严重</translation>
    </message>
    <message>
        <source>never</source>
        <translation>从不</translation>
    </message>
    <message>
        <source>An instance critical for this long is removed from discovery; empty or 0 keeps it</source>
        <translation>实例持续严重超过此时长即从服务发现中移除；留空或 0 表示保留</translation>
    </message>
    <message>
        <source>When more than this share of the service is unhealthy, discovery hands out every instance rather than overload the few left; 100 % turns panic off</source>
        <translation>当服务中不健康实例的比例超过此值时，服务发现返回所有实例，以免压垮仅剩的健康实例；100 % 表示关闭恐慌模式</translation>
    </message>
    <message>
        <source>a tenth of the interval</source>
        <translation>间隔的十分之一</translation>
    </message>
    <message>
        <source>Each interval varies by up to this much, so probes of many instances spread out; 0s to half the interval</source>
        <translation>每次间隔最多随机偏移这么多，使大量实例的探测错开；0s 到间隔的一半</translation>
    </message>
    <message>
        <source>off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source> transitions</source>
        <translation> 次状态变化</translation>
    </message>
    <message>
        <source>This many status changes within the window mark an instance flapping; 0 turns flap detection off</source>
        <translation>在窗口内状态变化达到此次数即判定实例抖动；0 表示关闭抖动检测</translation>
    </message>
    <message>
        <source>5m</source>
        <translation>5m</translation>
    </message>
    <message>
        <source>The window flap detection counts transitions in</source>
        <translation>抖动检测统计状态变化的时间窗口</translation>
    </message>
    <message>
        <source>The status of a new instance until its first results count</source>
        <translation>新实例在首批结果计入前的状态</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Port</source>
        <translation>端口</translation>
    </message>
    <message>
        <source>Interval</source>
        <translation>间隔</translation>
    </message>
    <message>
        <source>Timeout</source>
        <translation>超时</translation>
    </message>
    <message>
        <source>Jitter</source>
        <translation>随机偏移</translation>
    </message>
    <message>
        <source>Rise</source>
        <translation>成功阈值</translation>
    </message>
    <message>
        <source>Fall</source>
        <translation>失败阈值</translation>
    </message>
    <message>
        <source>Initial status</source>
        <translation>初始状态</translation>
    </message>
    <message>
        <source>Flapping at</source>
        <translation>抖动阈值</translation>
    </message>
    <message>
        <source>Within</source>
        <translation>时间窗口</translation>
    </message>
    <message>
        <source>Deregister after</source>
        <translation>自动注销时间</translation>
    </message>
    <message>
        <source>Panic threshold</source>
        <translation>恐慌阈值</translation>
    </message>
    <message>
        <source>Probe</source>
        <translation>探测</translation>
    </message>
    <message>
        <source>Timing</source>
        <translation>时间设置</translation>
    </message>
    <message>
        <source>Flap detection</source>
        <translation>抖动检测</translation>
    </message>
    <message>
        <source>Failover</source>
        <translation>故障转移</translation>
    </message>
    <message>
        <source>Loading the kinds of health check this daemon offers…</source>
        <translation>正在加载此服务端支持的健康检查类型…</translation>
    </message>
    <message>
        <source>Last changed at revision %1. Saving replaces it, unless someone changes it first.</source>
        <translation>最后修改于修订号 %1。保存将替换它，除非有人先修改。</translation>
    </message>
    <message>
        <source>%1 has no health check yet: its instances are not probed and count as unknown. Saving creates one.</source>
        <translation>%1 尚未配置健康检查：其实例不会被探测，状态为未知。保存将创建一个。</translation>
    </message>
    <message>
        <source>%1 is required (e.g. 10s).</source>
        <translation>%1 为必填项（例如 10s）。</translation>
    </message>
    <message>
        <source>%1: &quot;%2&quot; is not a duration; use e.g. 500ms, 10s or 1m30s.</source>
        <translation>%1：“%2”不是有效时长；请使用 500ms、10s 或 1m30s 这样的格式。</translation>
    </message>
    <message>
        <source>Flap window</source>
        <translation>抖动窗口</translation>
    </message>
    <message>
        <source>%1 (%2NAME=value)</source>
        <translation>%1（%2NAME=value）</translation>
    </message>
    <message>
        <source>Could not load the health check of %1: %2 (%3). Nothing can be saved until it loads.</source>
        <translation>无法加载 %1 的健康检查：%2（%3）。加载成功前无法保存。</translation>
    </message>
    <message>
        <source>Retry</source>
        <translation>重试</translation>
    </message>
    <message>
        <source>Someone created a health check for %1 while you were editing. Reload to see it; your edits are lost when you do.</source>
        <translation>在您编辑期间，有人为 %1 创建了健康检查。重新加载即可查看；这样做会丢失您的修改。</translation>
    </message>
    <message>
        <source>Someone changed this health check after you loaded it (at revision %1). Reload to see their version; your edits are lost when you do.
The daemon said: %2</source>
        <translation>在您加载之后（修订号 %1），有人修改了此健康检查。重新加载即可查看对方的版本；这样做会丢失您的修改。
服务端返回：%2</translation>
    </message>
    <message>
        <source>The daemon refused the change: %1 (%2)</source>
        <translation>服务端拒绝了修改：%1（%2）</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>正在保存…</translation>
    </message>
    <message>
        <source>Loading the current check…</source>
        <translation>正在加载当前检查配置…</translation>
    </message>
    <message>
        <source>Not saved — fix these first:</source>
        <translation>未保存 — 请先修正以下问题：</translation>
    </message>
</context>
<context>
    <name>aegis::console::HealthTimelineModel</name>
    <message>
        <source>%1 · %2 – %3 (%4)</source>
        <translation>%1 · %2 – %3（%4）</translation>
    </message>
    <message>
        <source>Check said %1</source>
        <translation>检查结果为 %1</translation>
    </message>
    <message>
        <source>Reason: %1</source>
        <translation>原因：%1</translation>
    </message>
    <message>
        <source>Output: %1</source>
        <translation>输出：%1</translation>
    </message>
</context>
<context>
    <name>aegis::console::HealthTimelineView</name>
    <message>
        <source>no data before %1</source>
        <translation>%1 之前无数据</translation>
    </message>
    <message>
        <source>now</source>
        <translation>现在</translation>
    </message>
</context>
<context>
    <name>aegis::console::InstanceDetailPane</name>
    <message>
        <source>Select an instance to see its details.</source>
        <translation>选择一个实例以查看详情。</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Colour</source>
        <translation>颜色</translation>
    </message>
    <message>
        <source>Version</source>
        <translation>版本</translation>
    </message>
    <message>
        <source>Weight</source>
        <translation>权重</translation>
    </message>
    <message>
        <source>Health</source>
        <translation>健康状态</translation>
    </message>
    <message>
        <source>Output</source>
        <translation>输出</translation>
    </message>
    <message>
        <source>Registered</source>
        <translation>注册时间</translation>
    </message>
    <message>
        <source>Lease</source>
        <translation>租约</translation>
    </message>
    <message>
        <source>Revisions</source>
        <translation>修订号</translation>
    </message>
    <message>
        <source>Labels</source>
        <translation>标签</translation>
    </message>
    <message>
        <source>Metadata</source>
        <translation>元数据</translation>
    </message>
    <message>
        <source>Check</source>
        <translation>检查</translation>
    </message>
    <message>
        <source>Probes</source>
        <translation>探测</translation>
    </message>
    <message>
        <source>Health, last hour</source>
        <translation>健康状态（最近 1 小时）</translation>
    </message>
    <message>
        <source>0 (receives no traffic)</source>
        <translation>0（不接收流量）</translation>
    </message>
    <message>
        <source>%1 (%2 ago)</source>
        <translation>%1（%2前）</translation>
    </message>
    <message>
        <source>%1 · TTL %2</source>
        <translation>%1 · TTL %2</translation>
    </message>
    <message>
        <source>created %1 · modified %2</source>
        <translation>创建于 %1 · 修改于 %2</translation>
    </message>
    <message>
        <source>not routed</source>
        <translation>未路由</translation>
    </message>
    <message>
        <source>Not routed: discovery leaves it out</source>
        <translation>未路由：服务发现不返回它</translation>
    </message>
    <message>
        <source>Routed anyway: its service is in panic</source>
        <translation>仍被路由：其服务处于恐慌模式</translation>
    </message>
    <message>
        <source>not checked</source>
        <translation>未检查</translation>
    </message>
    <message>
        <source>%1 → %2 · check says %3</source>
        <translation>%1 → %2 · 检查结果为 %3</translation>
    </message>
    <message>
        <source>1 probe</source>
        <translation>1 次探测</translation>
    </message>
    <message>
        <source>%1 probes</source>
        <translation>%1 次探测</translation>
    </message>
    <message numerus="yes">
        <source>%n failing in a row</source>
        <translation>
            <numerusform>连续失败 %n 次</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n passing in a row</source>
        <translation>
            <numerusform>连续成功 %n 次</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n failed call(s) reported</source>
        <translation>
            <numerusform>调用方上报 %n 次失败调用</numerusform>
        </translation>
    </message>
    <message>
        <source>never ejected</source>
        <translation>从未被剔除</translation>
    </message>
    <message>
        <source>ejected once</source>
        <translation>被剔除过 1 次</translation>
    </message>
    <message>
        <source>ejected %1 times</source>
        <translation>被剔除过 %1 次</translation>
    </message>
    <message>
        <source>No check covers this instance</source>
        <translation>没有健康检查覆盖此实例</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>加载中…</translation>
    </message>
</context>
<context>
    <name>aegis::console::InstanceModel</name>
    <message>
        <source>%1 (check says %2)</source>
        <translation>%1（检查结果为 %2）</translation>
    </message>
    <message>
        <source> since %1 (%2)</source>
        <translation> 自 %1 起（%2）</translation>
    </message>
    <message>
        <source>No health check covers this instance</source>
        <translation>没有健康检查覆盖此实例</translation>
    </message>
    <message>
        <source>Reason: %1</source>
        <translation>原因：%1</translation>
    </message>
    <message>
        <source>Last output: %1</source>
        <translation>最近输出：%1</translation>
    </message>
    <message>
        <source>Ejected by callers&apos; reports until %1</source>
        <translation>因调用方上报被剔除，直到 %1</translation>
    </message>
    <message>
        <source>Changing state too often; changes are recorded, not announced</source>
        <translation>状态变化过于频繁；变化会被记录，但不再通知</translation>
    </message>
    <message>
        <source>Routed: discovery hands it to callers</source>
        <translation>已路由：服务发现会将它返回给调用方</translation>
    </message>
    <message>
        <source>Not routed: discovery leaves it out</source>
        <translation>未路由：服务发现不返回它</translation>
    </message>
    <message>
        <source>%1 · %2</source>
        <translation>%1 · %2</translation>
    </message>
    <message>
        <source>Registered %1 · lease %2, TTL %3 s</source>
        <translation>注册于 %1 · 租约 %2，TTL %3 秒</translation>
    </message>
    <message>
        <source>%1 of %2&apos;s traffic (weight %3)</source>
        <translation>%2 流量的 %1（权重 %3）</translation>
    </message>
    <message>
        <source>No traffic: %1</source>
        <translation>无流量：%1</translation>
    </message>
    <message>
        <source>Not released through rollouts</source>
        <translation>未通过发布流程发布</translation>
    </message>
    <message>
        <source>This colour takes traffic</source>
        <translation>该颜色正在承接流量</translation>
    </message>
    <message>
        <source>This colour is deployed but takes no traffic</source>
        <translation>该颜色已部署，但不承接流量</translation>
    </message>
    <message>
        <source>This colour takes no traffic and is kept running so the switch can be undone</source>
        <translation>该颜色不承接流量，保持运行以便撤销切换</translation>
    </message>
    <message>
        <source>This colour takes no traffic and is being scaled down</source>
        <translation>该颜色不承接流量，正在缩容</translation>
    </message>
    <message>
        <source>Labels other than version and color, which have columns of their own</source>
        <translation>除 version 和 color 以外的标签（这两个有单独的列）</translation>
    </message>
    <message>
        <source>The instance&apos;s share of its service&apos;s requests: its colour&apos;s percentage of the split, shared among that colour&apos;s serving instances by traffic weight</source>
        <translation>实例承接的服务请求比例：其颜色在流量分配中的百分比，再按流量权重分给该颜色中服务中的实例</translation>
    </message>
    <message>
        <source>What the service&apos;s health check and its callers&apos; reports say; hover a badge for the reason</source>
        <translation>服务健康检查及其调用方上报的结果；将鼠标悬停在徽标上可查看原因</translation>
    </message>
    <message>
        <source>Service</source>
        <translation>服务</translation>
    </message>
    <message>
        <source>Instance</source>
        <translation>实例</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Version</source>
        <translation>版本</translation>
    </message>
    <message>
        <source>Colour</source>
        <translation>颜色</translation>
    </message>
    <message>
        <source>Traffic</source>
        <translation>流量</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Health</source>
        <translation>健康状态</translation>
    </message>
    <message>
        <source>Lease age</source>
        <translation>租约时长</translation>
    </message>
    <message>
        <source>Labels</source>
        <translation>标签</translation>
    </message>
</context>
<context>
    <name>aegis::console::LiveBadge</name>
    <message>
        <source>Paused</source>
        <translation>已暂停</translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <source>Live</source>
        <translation>实时</translation>
    </message>
    <message>
        <source>Reconnecting</source>
        <translation>重连中</translation>
    </message>
</context>
<context>
    <name>aegis::console::MainWindow</name>
    <message>
        <source>Aegis Console</source>
        <translation>Aegis 控制台</translation>
    </message>
    <message>
        <source>Overview</source>
        <translation>概览</translation>
    </message>
    <message>
        <source>Services</source>
        <translation>服务</translation>
    </message>
    <message>
        <source>Releases</source>
        <translation>发布</translation>
    </message>
    <message>
        <source>Metrics</source>
        <translation>指标</translation>
    </message>
    <message>
        <source>Alerts</source>
        <translation>告警</translation>
    </message>
    <message>
        <source>Traces</source>
        <translation>链路追踪</translation>
    </message>
    <message>
        <source>Config</source>
        <translation>配置</translation>
    </message>
    <message>
        <source>Audit log</source>
        <translation>审计日志</translation>
    </message>
    <message>
        <source>CONNECTION</source>
        <translation>连接</translation>
    </message>
    <message>
        <source>Connection profile</source>
        <translation>连接配置</translation>
    </message>
    <message>
        <source>Manage profiles…</source>
        <translation>管理连接配置…</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>Connection &amp;profiles…</source>
        <translation>连接配置(&amp;P)…</translation>
    </message>
    <message>
        <source>&amp;Reconnect now</source>
        <translation>立即重连(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Overview</source>
        <translation>概览(&amp;O)</translation>
    </message>
    <message>
        <source>&amp;Services</source>
        <translation>服务(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Releases</source>
        <translation>发布(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Metrics</source>
        <translation>指标(&amp;M)</translation>
    </message>
    <message>
        <source>A&amp;lerts</source>
        <translation>告警(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Traces</source>
        <translation>链路追踪(&amp;T)</translation>
    </message>
    <message>
        <source>&amp;Config</source>
        <translation>配置(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Audit log</source>
        <translation>审计日志(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;Refresh</source>
        <translation>刷新(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Theme</source>
        <translation>主题(&amp;T)</translation>
    </message>
    <message>
        <source>Follow &amp;system</source>
        <translation>跟随系统(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Light</source>
        <translation>浅色(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Dark</source>
        <translation>深色(&amp;D)</translation>
    </message>
    <message>
        <source>&amp;Notify when an instance goes critical</source>
        <translation>实例变为严重时通知(&amp;N)</translation>
    </message>
    <message>
        <source>A desktop notification when an instance&apos;s health check turns critical</source>
        <translation>实例的健康检查变为严重时发送桌面通知</translation>
    </message>
    <message>
        <source>This desktop has no system tray to show notifications in</source>
        <translation>此桌面没有可显示通知的系统托盘</translation>
    </message>
    <message>
        <source>Notify when a critical &amp;alert fires</source>
        <translation>严重告警触发时通知(&amp;A)</translation>
    </message>
    <message>
        <source>A desktop notification when an alert of severity critical starts firing</source>
        <translation>严重级别为 critical 的告警开始触发时发送桌面通知</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;About Aegis Console</source>
        <translation>关于 Aegis 控制台(&amp;A)</translation>
    </message>
    <message>
        <source>About Aegis Console</source>
        <translation>关于 Aegis 控制台</translation>
    </message>
    <message>
        <source>&lt;b&gt;Aegis Console&lt;/b&gt; %1&lt;br&gt;The desktop console for aegisd, the control plane for service fleets.</source>
        <translation>&lt;b&gt;Aegis 控制台&lt;/b&gt; %1&lt;br&gt;aegisd 的桌面控制台，aegisd 是面向服务集群的控制平面。</translation>
    </message>
    <message numerus="yes">
        <source>%n critical alert(s) firing</source>
        <translation>
            <numerusform>%n 条严重告警正在触发</numerusform>
        </translation>
    </message>
    <message>
        <source>Not connected</source>
        <translation>未连接</translation>
    </message>
    <message>
        <source>Connecting to %1…</source>
        <translation>正在连接 %1…</translation>
    </message>
    <message>
        <source>Connected to %1</source>
        <translation>已连接到 %1</translation>
    </message>
    <message>
        <source>Unreachable: %1 — %2</source>
        <translation>无法访问：%1 — %2</translation>
    </message>
    <message>
        <source>aegisd %1</source>
        <translation>aegisd %1</translation>
    </message>
    <message>
        <source>revision %1</source>
        <translation>修订号 %1</translation>
    </message>
    <message>
        <source>RTT —</source>
        <translation>RTT —</translation>
    </message>
    <message>
        <source>RTT %1 ms</source>
        <translation>RTT %1 ms</translation>
    </message>
    <message>
        <source>%1 (%2) — Aegis Console</source>
        <translation>%1（%2）— Aegis 控制台</translation>
    </message>
    <message>
        <source>not connected</source>
        <translation>未连接</translation>
    </message>
    <message>
        <source>Lan&amp;guage</source>
        <translation>语言(&amp;G)</translation>
    </message>
    <message>
        <source>The console speaks %1 from its next start.</source>
        <translation>控制台将在下次启动时切换为 %1。</translation>
    </message>
    <message numerus="yes">
        <source>Connected to %1 (one of %n replicas listed)</source>
        <translation>
            <numerusform>已连接到 %1（列出的 %n 个副本之一）</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>aegis::console::MetricsPage</name>
    <message>
        <source>Metrics</source>
        <translation>指标</translation>
    </message>
    <message>
        <source>Rate, errors and latency of every service, from Prometheus</source>
        <translation>各服务的请求速率、错误率和延迟，数据来自 Prometheus</translation>
    </message>
    <message>
        <source>Follow</source>
        <translation>跟随</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>The charts follow the newest samples</source>
        <translation>图表跟随最新样本更新</translation>
    </message>
    <message>
        <source>The charts show what was loaded; they resume when the daemon answers again</source>
        <translation>图表显示已加载的数据；服务端恢复响应后继续更新</translation>
    </message>
    <message>
        <source>No service</source>
        <translation>无服务</translation>
    </message>
    <message>
        <source>The service whose dashboard is shown</source>
        <translation>要显示仪表盘的服务</translation>
    </message>
    <message>
        <source>Drill down to one instance</source>
        <translation>下钻到单个实例</translation>
    </message>
    <message>
        <source>All instances</source>
        <translation>所有实例</translation>
    </message>
    <message>
        <source>Custom…</source>
        <translation>自定义…</translation>
    </message>
    <message>
        <source>Follow the newest samples as they are scraped</source>
        <translation>随采集实时显示最新样本</translation>
    </message>
    <message>
        <source>Traces</source>
        <translation>链路追踪</translation>
    </message>
    <message>
        <source>Find this service&apos;s traces in the charts&apos; window (the arrow: of one colour)</source>
        <translation>在图表的时间窗口内查找此服务的链路（箭头：按颜色查找）</translation>
    </message>
    <message>
        <source>Traces of %1</source>
        <translation>%1 的链路</translation>
    </message>
    <message>
        <source>Service</source>
        <translation>服务</translation>
    </message>
    <message>
        <source>aegisd</source>
        <translation>aegisd</translation>
    </message>
    <message>
        <source>Query</source>
        <translation>查询</translation>
    </message>
    <message>
        <source>Custom range</source>
        <translation>自定义范围</translation>
    </message>
    <message>
        <source>From</source>
        <translation>从</translation>
    </message>
    <message>
        <source>To</source>
        <translation>到</translation>
    </message>
    <message>
        <source>Request rate</source>
        <translation>请求速率</translation>
    </message>
    <message>
        <source>Error ratio (5xx)</source>
        <translation>错误率（5xx）</translation>
    </message>
    <message>
        <source>Latency p50 / p95 / p99</source>
        <translation>延迟 p50 / p95 / p99</translation>
    </message>
    <message>
        <source>Instances up</source>
        <translation>在线实例</translation>
    </message>
    <message>
        <source>CPU per instance</source>
        <translation>各实例 CPU</translation>
    </message>
    <message>
        <source>Memory per instance</source>
        <translation>各实例内存</translation>
    </message>
    <message>
        <source>RPC rate by method</source>
        <translation>各方法 RPC 速率</translation>
    </message>
    <message>
        <source>RPC errors</source>
        <translation>RPC 错误</translation>
    </message>
    <message>
        <source>RPC latency</source>
        <translation>RPC 延迟</translation>
    </message>
    <message>
        <source>RPC latency p99 by method</source>
        <translation>各方法 RPC 延迟 p99</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>运行</translation>
    </message>
    <message>
        <source>Run the query over the chosen range (Ctrl+Enter)</source>
        <translation>在所选范围内运行查询（Ctrl+Enter）</translation>
    </message>
    <message>
        <source>Number</source>
        <translation>数值</translation>
    </message>
    <message>
        <source>Seconds</source>
        <translation>秒</translation>
    </message>
    <message>
        <source>Bytes</source>
        <translation>字节</translation>
    </message>
    <message>
        <source>Ratio (%)</source>
        <translation>比例（%）</translation>
    </message>
    <message>
        <source>Requests/s</source>
        <translation>请求/秒</translation>
    </message>
    <message>
        <source>CPU cores</source>
        <translation>CPU 核数</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>Export PNG…</source>
        <translation>导出 PNG…</translation>
    </message>
    <message>
        <source>Export CSV…</source>
        <translation>导出 CSV…</translation>
    </message>
    <message>
        <source>Export chart as PNG</source>
        <translation>将图表导出为 PNG</translation>
    </message>
    <message>
        <source>Export chart as CSV</source>
        <translation>将图表导出为 CSV</translation>
    </message>
    <message>
        <source>PNG images (*.png)</source>
        <translation>PNG 图片 (*.png)</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>CSV 文件 (*.csv)</translation>
    </message>
    <message>
        <source>Could not write %1</source>
        <translation>无法写入 %1</translation>
    </message>
    <message>
        <source>Metrics unavailable</source>
        <translation>指标不可用</translation>
    </message>
    <message>
        <source>Metrics are turned off on this daemon (metrics.backend: none). Set metrics.backend to managed or external to see charts.</source>
        <translation>此服务端已关闭指标（metrics.backend: none）。将 metrics.backend 设为 managed 或 external 即可查看图表。</translation>
    </message>
    <message>
        <source>This daemon has no metrics service; upgrade aegisd.</source>
        <translation>此服务端没有指标服务，请升级 aegisd。</translation>
    </message>
    <message>
        <source>Metrics backend down: %1</source>
        <translation>指标后端不可用：%1</translation>
    </message>
    <message>
        <source>Metrics backend down: %1 (%2)</source>
        <translation>指标后端不可用：%1（%2）</translation>
    </message>
    <message>
        <source>Metrics backend starting: %1</source>
        <translation>指标后端启动中：%1</translation>
    </message>
    <message>
        <source>managed Prometheus</source>
        <translation>托管的 Prometheus</translation>
    </message>
    <message>
        <source>external (%1)</source>
        <translation>外部（%1）</translation>
    </message>
    <message>
        <source>off</source>
        <translation>关闭</translation>
    </message>
    <message numerus="yes">
        <source>%1 · %n target(s), %2 up</source>
        <translation>
            <numerusform>%1 · %n 个采集目标，%2 个在线</numerusform>
        </translation>
    </message>
    <message>
        <source>(no service scraped)</source>
        <translation>（未采集任何服务）</translation>
    </message>
    <message>
        <source>No data in this range</source>
        <translation>此时间范围内无数据</translation>
    </message>
    <message>
        <source>Metrics backend: %1</source>
        <translation>指标后端：%1</translation>
    </message>
</context>
<context>
    <name>aegis::console::NewReleaseDialog</name>
    <message>
        <source> (optional)</source>
        <translation>（选填）</translation>
    </message>
    <message>
        <source>(no parameters)</source>
        <translation>（无参数）</translation>
    </message>
    <message>
        <source>One key=value per line; checked by the %1 %2.</source>
        <translation>每行一个 key=value；由 %1 %2 校验。</translation>
    </message>
    <message>
        <source> (required)</source>
        <translation>（必填）</translation>
    </message>
    <message>
        <source>Wait for someone to promote it before moving traffic</source>
        <translation>等待有人推进后再切换流量</translation>
    </message>
    <message>
        <source>New release</source>
        <translation>新建发布</translation>
    </message>
    <message>
        <source>Starts a rollout: the new version runs on the idle colour, is verified, then takes the traffic. Anything that goes wrong before the end puts the traffic back.</source>
        <translation>发起一次发布：新版本在空闲颜色上运行并通过验证后再承接流量。结束前任何环节出错都会将流量切回。</translation>
    </message>
    <message>
        <source>Start rollout</source>
        <translation>开始发布</translation>
    </message>
    <message>
        <source>Could not load the drivers and routers this daemon offers: %1 (%2).</source>
        <translation>无法加载此服务端支持的部署驱动和路由器：%1（%2）。</translation>
    </message>
    <message>
        <source>checkout</source>
        <translation>checkout</translation>
    </message>
    <message>
        <source>A released or registered service, or a new name: its first rollout deploys it</source>
        <translation>已发布或已注册的服务，或新服务名：首次发布即完成部署</translation>
    </message>
    <message>
        <source>The version label the new instances register with</source>
        <translation>新实例注册时使用的版本标签</translation>
    </message>
    <message>
        <source>as many as the live colour</source>
        <translation>与当前生效颜色相同</translation>
    </message>
    <message>
        <source>How many new instances to run and wait for</source>
        <translation>要运行并等待就绪的新实例数量</translation>
    </message>
    <message>
        <source>optional: what this release changes</source>
        <translation>选填：本次发布改了什么</translation>
    </message>
    <message>
        <source>Release</source>
        <translation>发布</translation>
    </message>
    <message>
        <source>Service</source>
        <translation>服务</translation>
    </message>
    <message>
        <source>Version</source>
        <translation>版本</translation>
    </message>
    <message>
        <source>Replicas</source>
        <translation>副本数</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>描述</translation>
    </message>
    <message>
        <source>Blue-green — all traffic at once after verification</source>
        <translation>蓝绿发布 — 验证通过后一次性切换全部流量</translation>
    </message>
    <message>
        <source>Canary — traffic moves through weighted steps</source>
        <translation>金丝雀发布 — 按权重分步切换流量</translation>
    </message>
    <message>
        <source>Strategy</source>
        <translation>发布策略</translation>
    </message>
    <message>
        <source>Steps</source>
        <translation>步骤</translation>
    </message>
    <message>
        <source>Loading the drivers…</source>
        <translation>正在加载部署驱动…</translation>
    </message>
    <message>
        <source>Loading the routers…</source>
        <translation>正在加载路由器…</translation>
    </message>
    <message>
        <source>Deployment</source>
        <translation>部署</translation>
    </message>
    <message>
        <source>Driver</source>
        <translation>部署驱动</translation>
    </message>
    <message>
        <source>Parameters</source>
        <translation>参数</translation>
    </message>
    <message>
        <source>Router</source>
        <translation>路由器</translation>
    </message>
    <message>
        <source>10s (default)</source>
        <translation>10s（默认）</translation>
    </message>
    <message>
        <source>Every new instance must pass its health check this long before traffic moves; at most 1h</source>
        <translation>流量切换前，每个新实例须持续通过健康检查的时长；最多 1h</translation>
    </message>
    <message>
        <source>0s (default)</source>
        <translation>0s（默认）</translation>
    </message>
    <message>
        <source>After all traffic moved, how long any new instance going critical still rolls back; at most 24h</source>
        <translation>全部流量切换后，新实例变为严重仍会触发回滚的时长；最多 24h</translation>
    </message>
    <message>
        <source>30s (default)</source>
        <translation>30s（默认）</translation>
    </message>
    <message>
        <source>How long the replaced colour keeps running after success, so Undo can return to it at once; at most 24h</source>
        <translation>发布成功后被替换的颜色继续运行的时长，以便撤销时立即切回；最多 24h</translation>
    </message>
    <message>
        <source>Gates</source>
        <translation>关卡</translation>
    </message>
    <message>
        <source>Healthy for</source>
        <translation>健康持续时间</translation>
    </message>
    <message>
        <source>Approval</source>
        <translation>审批</translation>
    </message>
    <message>
        <source>Bake time</source>
        <translation>观察期</translation>
    </message>
    <message>
        <source>Scale-down delay</source>
        <translation>缩容延迟</translation>
    </message>
    <message>
        <source>Not released through Aegis yet: this rollout deploys its first version.</source>
        <translation>尚未通过 Aegis 发布：本次发布将部署它的第一个版本。</translation>
    </message>
    <message>
        <source>No rollout of %1 has succeeded yet (last: %2).</source>
        <translation>%1 尚无成功的发布（最近一次：%2）。</translation>
    </message>
    <message>
        <source>Live: %1. Driver and router as its last release (%2).</source>
        <translation>生效中：%1。部署驱动和路由器沿用上次发布（%2）。</translation>
    </message>
    <message>
        <source>%1 is still in progress: the daemon refuses a new rollout of %2 until it has ended. Promote it to the end or abort it on the Releases page first.</source>
        <translation>%1 仍在进行中：在它结束前，服务端会拒绝 %2 的新发布。请先在“发布”页面将其推进到底或中止。</translation>
    </message>
    <message>
        <source>1.0.0</source>
        <translation>1.0.0</translation>
    </message>
    <message>
        <source>Healthy for must be a duration like 10s or 1m</source>
        <translation>健康持续时间须为时长，如 10s 或 1m</translation>
    </message>
    <message>
        <source>Bake time must be a duration like 0s or 5m</source>
        <translation>观察期须为时长，如 0s 或 5m</translation>
    </message>
    <message>
        <source>Scale-down delay must be a duration like 30s or 10m</source>
        <translation>缩容延迟须为时长，如 30s 或 10m</translation>
    </message>
    <message>
        <source>Fix the problem marked above first.</source>
        <translation>请先修正上方标出的问题。</translation>
    </message>
    <message>
        <source>Fix the %1 problems marked above first.</source>
        <translation>请先修正上方标出的 %1 个问题。</translation>
    </message>
    <message>
        <source>The daemon refused the spec: %1</source>
        <translation>服务端拒绝了发布配置：%1</translation>
    </message>
    <message>
        <source>%1 cannot be released now: %2</source>
        <translation>%1 当前无法发布：%2</translation>
    </message>
    <message>
        <source>Your token may not start rollouts: %1</source>
        <translation>您的令牌无权发起发布：%1</translation>
    </message>
    <message>
        <source>Could not start the rollout: %1 (%2)</source>
        <translation>无法开始发布：%1（%2）</translation>
    </message>
    <message>
        <source>Starting…</source>
        <translation>正在开始…</translation>
    </message>
</context>
<context>
    <name>aegis::console::OverviewPage</name>
    <message>
        <source>Overview</source>
        <translation>概览</translation>
    </message>
    <message>
        <source>The daemon&apos;s status and this connection</source>
        <translation>服务端状态与当前连接</translation>
    </message>
    <message>
        <source>Version</source>
        <translation>版本</translation>
    </message>
    <message>
        <source>Uptime</source>
        <translation>运行时长</translation>
    </message>
    <message>
        <source>Revision</source>
        <translation>修订号</translation>
    </message>
    <message>
        <source>Compact revision</source>
        <translation>压缩修订号</translation>
    </message>
    <message>
        <source>Store</source>
        <translation>存储</translation>
    </message>
    <message>
        <source>Log level</source>
        <translation>日志级别</translation>
    </message>
    <message>
        <source>Services</source>
        <translation>服务</translation>
    </message>
    <message>
        <source>Instances</source>
        <translation>实例</translation>
    </message>
    <message>
        <source>Healthy</source>
        <translation>健康</translation>
    </message>
    <message>
        <source>Unhealthy</source>
        <translation>不健康</translation>
    </message>
    <message>
        <source>Alerts firing</source>
        <translation>触发中的告警</translation>
    </message>
    <message>
        <source>Alerts pending</source>
        <translation>待触发的告警</translation>
    </message>
    <message>
        <source>Needs attention</source>
        <translation>需要关注</translation>
    </message>
    <message>
        <source>In flight</source>
        <translation>进行中</translation>
    </message>
    <message>
        <source>No rollout is running.</source>
        <translation>当前没有进行中的发布。</translation>
    </message>
    <message>
        <source>Instances whose health check passes</source>
        <translation>健康检查通过的实例</translation>
    </message>
    <message>
        <source>Alerts whose condition held for their rule&apos;s `for` (the Alerts page lists them); silenced ones are counted too</source>
        <translation>条件持续满足达到规则 `for` 时长的告警（告警页面中列出）；已静默的也计入</translation>
    </message>
    <message>
        <source>Alerts whose condition holds, for less than their rule&apos;s `for`</source>
        <translation>条件已满足、但持续时间尚未达到规则 `for` 时长的告警</translation>
    </message>
    <message>
        <source>Instances that are critical or ejected: discovery leaves them out unless their service is in panic</source>
        <translation>状态为严重或已剔除的实例：除非其服务处于恐慌模式，服务发现不会返回它们</translation>
    </message>
    <message>
        <source>Resources</source>
        <translation>资源</translation>
    </message>
    <message>
        <source>Connection</source>
        <translation>连接</translation>
    </message>
    <message>
        <source>Profile</source>
        <translation>连接配置</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Transport</source>
        <translation>传输</translation>
    </message>
    <message>
        <source>Token</source>
        <translation>令牌</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Round trip</source>
        <translation>往返时延</translation>
    </message>
    <message>
        <source>Last update</source>
        <translation>最近更新</translation>
    </message>
    <message>
        <source>Recent changes</source>
        <translation>最近变更</translation>
    </message>
    <message>
        <source>Traffic, last 15 minutes</source>
        <translation>流量（最近 15 分钟）</translation>
    </message>
    <message>
        <source>Needs attention (%1)</source>
        <translation>需要关注（%1）</translation>
    </message>
    <message>
        <source>In flight (%1)</source>
        <translation>进行中（%1）</translation>
    </message>
    <message>
        <source>Nothing needs attention: no instance is critical, ejected or flapping, no service is in panic, no rollout or configuration change failed.</source>
        <translation>没有需要关注的事项：没有严重、被剔除或抖动的实例，没有服务处于恐慌模式，也没有失败的发布或配置变更。</translation>
    </message>
    <message>
        <source>Nothing known yet.</source>
        <translation>暂无信息。</translation>
    </message>
    <message>
        <source>No request rates: the daemon&apos;s metrics backend is off or has no data yet (the Metrics page says which).</source>
        <translation>没有请求速率数据：服务端的指标后端已关闭或尚无数据（“指标”页面会说明原因）。</translation>
    </message>
    <message>
        <source>Not connected.</source>
        <translation>未连接。</translation>
    </message>
    <message>
        <source>not known</source>
        <translation>未知</translation>
    </message>
    <message>
        <source>%1 critical · %2 silenced</source>
        <translation>%1 条严重 · %2 条已静默</translation>
    </message>
    <message>
        <source>no instances</source>
        <translation>无实例</translation>
    </message>
    <message>
        <source>every instance passes</source>
        <translation>全部实例正常</translation>
    </message>
    <message>
        <source>passing, of %1</source>
        <translation>正常，共 %1 个</translation>
    </message>
    <message numerus="yes">
        <source>%n service(s) in panic</source>
        <translation>
            <numerusform>%n 个服务处于恐慌模式</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n warning</source>
        <translation>
            <numerusform>%n 个警告</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n flapping</source>
        <translation>
            <numerusform>%n 个抖动</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n unknown</source>
        <translation>
            <numerusform>%n 个未知</numerusform>
        </translation>
    </message>
    <message>
        <source>critical or ejected</source>
        <translation>严重或已剔除</translation>
    </message>
    <message>
        <source>none failing</source>
        <translation>无失败</translation>
    </message>
    <message>
        <source>aegisd</source>
        <translation>aegisd</translation>
    </message>
    <message>
        <source>since %1</source>
        <translation>自 %1 起</translation>
    </message>
    <message>
        <source>every mutation adds one</source>
        <translation>每次变更加一</translation>
    </message>
    <message>
        <source>watches resume after it</source>
        <translation>监听从此处之后恢复</translation>
    </message>
    <message>
        <source>embedded</source>
        <translation>内嵌</translation>
    </message>
    <message>
        <source>distributed</source>
        <translation>分布式</translation>
    </message>
    <message>
        <source>runtime adjustable</source>
        <translation>可运行时调整</translation>
    </message>
    <message>
        <source>registered in discovery</source>
        <translation>已注册到服务发现</translation>
    </message>
    <message numerus="yes">
        <source>under %n lease(s)</source>
        <translation>
            <numerusform>共 %n 个租约</numerusform>
        </translation>
    </message>
    <message>
        <source>Plaintext (no TLS)</source>
        <translation>明文（无 TLS）</translation>
    </message>
    <message>
        <source>TLS</source>
        <translation>TLS</translation>
    </message>
    <message>
        <source>Mutual TLS</source>
        <translation>双向 TLS</translation>
    </message>
    <message>
        <source>From the keyring / session</source>
        <translation>来自密钥环 / 本次会话</translation>
    </message>
    <message>
        <source>File %1</source>
        <translation>文件 %1</translation>
    </message>
    <message>
        <source>None</source>
        <translation>无</translation>
    </message>
    <message>
        <source>%1 ms</source>
        <translation>%1 ms</translation>
    </message>
    <message>
        <source>%1 (stale)</source>
        <translation>%1（已过期）</translation>
    </message>
    <message>
        <source>Not connected</source>
        <translation>未连接</translation>
    </message>
    <message>
        <source>The daemon at %1 and this connection</source>
        <translation>%1 上的服务端与当前连接</translation>
    </message>
    <message>
        <source>Control plane</source>
        <translation>控制平面</translation>
    </message>
    <message>
        <source>One aegisd on its SQLite store</source>
        <translation>单个 aegisd，使用 SQLite 存储</translation>
    </message>
    <message numerus="yes">
        <source>%n replica(s) on etcd</source>
        <translation>
            <numerusform>%n 个副本，基于 etcd</numerusform>
        </translation>
    </message>
    <message>
        <source>No leader: an election is in progress</source>
        <translation>无主节点：正在选主</translation>
    </message>
    <message>
        <source>Leader: %1</source>
        <translation>主节点：%1</translation>
    </message>
    <message>
        <source>This replica refuses writes: %1</source>
        <translation>此副本拒绝写入：%1</translation>
    </message>
    <message>
        <source>leader</source>
        <translation>主节点</translation>
    </message>
    <message>
        <source>follower</source>
        <translation>从节点</translation>
    </message>
    <message>
        <source>%1, this connection</source>
        <translation>%1，当前连接</translation>
    </message>
    <message>
        <source>etcd%1 · %2</source>
        <translation>etcd%1 · %2</translation>
    </message>
    <message>
        <source>, raft leader</source>
        <translation>，Raft 主节点</translation>
    </message>
    <message>
        <source>etcd, unreachable: %1</source>
        <translation>etcd，无法访问：%1</translation>
    </message>
    <message>
        <source>%1 · %2 · for %3</source>
        <translation>%1 · %2 · 已持续 %3</translation>
    </message>
</context>
<context>
    <name>aegis::console::PageSkeleton</name>
    <message>
        <source>Dismiss</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>加载中…</translation>
    </message>
    <message>
        <source>Not loaded yet</source>
        <translation>尚未加载</translation>
    </message>
</context>
<context>
    <name>aegis::console::PromqlEditor</name>
    <message>
        <source>PromQL, e.g. sum by (color) (rate(http_requests_total[1m])) — Ctrl+Space completes, Ctrl+Enter runs</source>
        <translation>PromQL，例如 sum by (color) (rate(http_requests_total[1m])) — Ctrl+Space 补全，Ctrl+Enter 运行</translation>
    </message>
</context>
<context>
    <name>aegis::console::ReleaseModel</name>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>%1 has no live version yet: its first release has not succeeded</source>
        <translation>%1 尚无生效版本：其首次发布尚未成功</translation>
    </message>
    <message>
        <source>%1 serves %2 from %3, as deployed before its first rollout through Aegis</source>
        <translation>%1 在 %3 上运行 %2，为首次通过 Aegis 发布前部署的版本</translation>
    </message>
    <message>
        <source>%1 serves %2 from %3</source>
        <translation>%1 在 %3 上运行 %2</translation>
    </message>
    <message>
        <source>Traffic as the router last applied it: %1</source>
        <translation>路由器最近一次应用的流量分配：%1</translation>
    </message>
    <message>
        <source>Service</source>
        <translation>服务</translation>
    </message>
    <message>
        <source>Live</source>
        <translation>生效中</translation>
    </message>
    <message>
        <source>Version</source>
        <translation>版本</translation>
    </message>
    <message>
        <source>Traffic</source>
        <translation>流量</translation>
    </message>
    <message>
        <source>Rollout</source>
        <translation>发布</translation>
    </message>
</context>
<context>
    <name>aegis::console::ReleasesPage</name>
    <message>
        <source>Promoted %1</source>
        <translation>已推进 %1</translation>
    </message>
    <message>
        <source>Paused %1</source>
        <translation>已暂停 %1</translation>
    </message>
    <message>
        <source>Resumed %1</source>
        <translation>已继续 %1</translation>
    </message>
    <message>
        <source>Aborted %1; traffic is going back</source>
        <translation>已中止 %1；流量正在切回</translation>
    </message>
    <message>
        <source>Retrying %1</source>
        <translation>正在重试 %1</translation>
    </message>
    <message>
        <source>Undoing %1; traffic is going back</source>
        <translation>正在撤销 %1；流量正在切回</translation>
    </message>
    <message>
        <source>Releases</source>
        <translation>发布</translation>
    </message>
    <message>
        <source>Blue-green and canary rollouts</source>
        <translation>蓝绿发布与金丝雀发布</translation>
    </message>
    <message>
        <source>New release…</source>
        <translation>新建发布…</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>New instances</source>
        <translation>新实例</translation>
    </message>
    <message>
        <source>Elapsed</source>
        <translation>已用时长</translation>
    </message>
    <message>
        <source>Rollouts, traffic and logs change here as they happen</source>
        <translation>发布、流量和日志在此实时更新</translation>
    </message>
    <message>
        <source>Showing the rollouts loaded before the daemon became unreachable</source>
        <translation>显示的是服务端无法访问之前加载的发布</translation>
    </message>
    <message>
        <source>Traces</source>
        <translation>链路追踪</translation>
    </message>
    <message>
        <source>Find the traces of the rollout&apos;s new colour and version since it started</source>
        <translation>查找本次发布开始以来新颜色、新版本的链路</translation>
    </message>
    <message>
        <source>Logs…</source>
        <translation>日志…</translation>
    </message>
    <message>
        <source>What the selected service&apos;s deployed instances write</source>
        <translation>所选服务已部署实例输出的日志</translation>
    </message>
    <message>
        <source>Services</source>
        <translation>服务</translation>
    </message>
    <message>
        <source>Promote…</source>
        <translation>推进…</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>Resume…</source>
        <translation>继续…</translation>
    </message>
    <message>
        <source>Abort…</source>
        <translation>中止…</translation>
    </message>
    <message>
        <source>Undo…</source>
        <translation>撤销…</translation>
    </message>
    <message>
        <source>Retry…</source>
        <translation>重试…</translation>
    </message>
    <message>
        <source>TRAFFIC</source>
        <translation>流量</translation>
    </message>
    <message>
        <source>No log lines yet</source>
        <translation>暂无日志</translation>
    </message>
    <message>
        <source>Log</source>
        <translation>日志</translation>
    </message>
    <message>
        <source>History</source>
        <translation>历史</translation>
    </message>
    <message>
        <source>Who gets traffic: each instance&apos;s share of the service&apos;s requests, its colour and whether that colour is live, idle, warm for undo or being torn down</source>
        <translation>流量分配：每个实例承接的服务请求比例、所属颜色，以及该颜色是生效中、空闲、保留以便撤销还是正在下线</translation>
    </message>
    <message>
        <source>Instances</source>
        <translation>实例</translation>
    </message>
    <message>
        <source>Could not list the rollouts of %1: %2</source>
        <translation>无法列出 %1 的发布：%2</translation>
    </message>
    <message>
        <source>this daemon has no RolloutService (%1)</source>
        <translation>此服务端没有 RolloutService（%1）</translation>
    </message>
    <message>
        <source>Could not %1 %2: %3 (%4)</source>
        <translation>无法%1 %2：%3（%4）</translation>
    </message>
    <message>
        <source> (recorded in the audit log)</source>
        <translation>（已记入审计日志）</translation>
    </message>
    <message>
        <source>No rollout of %1 is known yet.</source>
        <translation>尚无 %1 的发布记录。</translation>
    </message>
    <message>
        <source>No service has been released through a rollout yet.
“New release…” starts the first one.</source>
        <translation>还没有服务通过发布流程发布过。
点击“新建发布…”发起第一次发布。</translation>
    </message>
    <message>
        <source>Select a service to see its rollouts.</source>
        <translation>选择一个服务以查看其发布。</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>加载中…</translation>
    </message>
    <message>
        <source>— could not load the log: %1 —</source>
        <translation>— 无法加载日志：%1 —</translation>
    </message>
    <message>
        <source>%1, the first release</source>
        <translation>%1，首次发布</translation>
    </message>
    <message>
        <source>%1 replacing %2</source>
        <translation>%1 替换 %2</translation>
    </message>
    <message>
        <source>started by %1 at %2</source>
        <translation>由 %1 于 %2 发起</translation>
    </message>
    <message>
        <source>attempt %1</source>
        <translation>第 %1 次尝试</translation>
    </message>
    <message>
        <source>as applied now</source>
        <translation>当前分配</translation>
    </message>
    <message>
        <source>as %1 left it</source>
        <translation>%1 结束时的分配</translation>
    </message>
    <message>
        <source>%1 / %2</source>
        <translation>%1 / %2</translation>
    </message>
    <message numerus="yes">
        <source>healthy · %n registered</source>
        <translation>
            <numerusform>健康 · 已注册 %n 个</numerusform>
        </translation>
    </message>
    <message>
        <source>in %1 for %2</source>
        <translation>处于%1，已 %2</translation>
    </message>
    <message>
        <source>finished %1</source>
        <translation>完成于 %1</translation>
    </message>
    <message>
        <source>Your token (%1) has the viewer role: viewers see releases but cannot start or change rollouts.</source>
        <translation>您的令牌（%1）为 viewer 角色：viewer 可以查看发布，但不能发起或更改发布。</translation>
    </message>
    <message>
        <source>Start a rollout of a new version</source>
        <translation>发起新版本的发布</translation>
    </message>
    <message>
        <source>Not connected</source>
        <translation>未连接</translation>
    </message>
    <message>
        <source>No rollout selected</source>
        <translation>未选择发布</translation>
    </message>
    <message>
        <source>Waiting for the daemon to answer</source>
        <translation>正在等待服务端响应</translation>
    </message>
    <message>
        <source>%1 %2…</source>
        <translation>%1 %2…</translation>
    </message>
    <message>
        <source>Started %1: %2 of %3 (recorded in the audit log)</source>
        <translation>已发起 %1：%3 的 %2（已记入审计日志）</translation>
    </message>
    <message numerus="yes">
        <source>%n service(s) released, </source>
        <translation>
            <numerusform>已发布 %n 个服务，</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n rollout(s) in progress</source>
        <translation>
            <numerusform>%n 个发布进行中</numerusform>
        </translation>
    </message>
    <message>
        <source>, watched live</source>
        <translation>，实时监听</translation>
    </message>
    <message>
        <source>Could not list releases: %1</source>
        <translation>无法列出发布：%1</translation>
    </message>
    <message numerus="yes">
        <source>%n service(s)</source>
        <translation>
            <numerusform>%n 个服务</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>aegis::console::ResourceCountModel</name>
    <message>
        <source>Resource</source>
        <translation>资源</translation>
    </message>
    <message>
        <source>Count</source>
        <translation>数量</translation>
    </message>
</context>
<context>
    <name>aegis::console::RolloutHistoryModel</name>
    <message>
        <source>Attempt %1. %2</source>
        <translation>第 %1 次尝试。%2</translation>
    </message>
    <message>
        <source>%1 replacing %2</source>
        <translation>%1 替换 %2</translation>
    </message>
    <message>
        <source>Rollout</source>
        <translation>发布</translation>
    </message>
    <message>
        <source>Version</source>
        <translation>版本</translation>
    </message>
    <message>
        <source>Strategy</source>
        <translation>发布策略</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>Started</source>
        <translation>开始时间</translation>
    </message>
    <message>
        <source>Duration</source>
        <translation>持续时间</translation>
    </message>
    <message>
        <source>Started by</source>
        <translation>发起人</translation>
    </message>
</context>
<context>
    <name>aegis::console::RolloutPipelineView</name>
    <message>
        <source>Entered %1</source>
        <translation>进入于 %1</translation>
    </message>
    <message>
        <source>Took %1</source>
        <translation>耗时 %1</translation>
    </message>
    <message>
        <source>No rollout to show</source>
        <translation>没有可显示的发布</translation>
    </message>
    <message>
        <source>skipped</source>
        <translation>已跳过</translation>
    </message>
    <message>
        <source>paused</source>
        <translation>已暂停</translation>
    </message>
</context>
<context>
    <name>aegis::console::RuleEditorPanel</name>
    <message>
        <source>New file…</source>
        <translation>新建文件…</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Choose a rule file, or make a new one</source>
        <translation>选择一个规则文件，或新建一个</translation>
    </message>
    <message>
        <source>What changed and why (required to save)</source>
        <translation>改了什么、为什么（保存时必填）</translation>
    </message>
    <message>
        <source>Rule files</source>
        <translation>规则文件</translation>
    </message>
    <message>
        <source>Would be active now</source>
        <translation>当前会激活的告警</translation>
    </message>
    <message>
        <source>Discard edits</source>
        <translation>放弃修改</translation>
    </message>
    <message>
        <source>%1 has edits that are not saved. Discard them and open %2?</source>
        <translation>%1 有未保存的修改。放弃修改并打开 %2？</translation>
    </message>
    <message>
        <source>Discard</source>
        <translation>放弃</translation>
    </message>
    <message>
        <source>New rule file</source>
        <translation>新建规则文件</translation>
    </message>
    <message>
        <source>File name (letters, digits, &apos;.&apos;, &apos;_&apos; and &apos;-&apos;):</source>
        <translation>文件名（字母、数字、&apos;.&apos;、&apos;_&apos; 和 &apos;-&apos;）：</translation>
    </message>
    <message>
        <source>Could not list the rules: %1</source>
        <translation>无法列出规则：%1</translation>
    </message>
    <message numerus="yes">
        <source>%1
v%2 · %n rule(s)</source>
        <translation>
            <numerusform>%1
v%2 · %n 条规则</numerusform>
        </translation>
    </message>
    <message>
        <source>Version %1 by %2, %3</source>
        <translation>版本 %1，由 %2 于 %3 发布</translation>
    </message>
    <message>
        <source>Could not open the rule file: %1</source>
        <translation>无法打开规则文件：%1</translation>
    </message>
    <message>
        <source>Put the cursor in an alerting rule to see what it would make active now.</source>
        <translation>将光标放在一条告警规则中，即可查看它当前会激活哪些告警。</translation>
    </message>
    <message>
        <source>No file open</source>
        <translation>未打开文件</translation>
    </message>
    <message>
        <source>&lt;b&gt;%1&lt;/b&gt; · new, not saved yet</source>
        <translation>&lt;b&gt;%1&lt;/b&gt; · 新建，尚未保存</translation>
    </message>
    <message>
        <source>&lt;b&gt;%1&lt;/b&gt; · version %2%3</source>
        <translation>&lt;b&gt;%1&lt;/b&gt; · 版本 %2%3</translation>
    </message>
    <message>
        <source> · edited</source>
        <translation> · 已修改</translation>
    </message>
    <message>
        <source>Say what changed in the comment to save</source>
        <translation>在备注中说明改了什么后即可保存</translation>
    </message>
    <message>
        <source>Publish the file (the daemon validates it first)</source>
        <translation>发布该文件（服务端会先进行校验）</translation>
    </message>
    <message>
        <source>Line %1, column %2: %3</source>
        <translation>第 %1 行，第 %2 列：%3</translation>
    </message>
    <message>
        <source>No problems found.</source>
        <translation>未发现问题。</translation>
    </message>
    <message>
        <source>The daemon could not validate the file: %1</source>
        <translation>服务端无法校验该文件：%1</translation>
    </message>
    <message>
        <source>Evaluating %1…</source>
        <translation>正在评估 %1…</translation>
    </message>
    <message>
        <source>%1 cannot be evaluated: %2</source>
        <translation>%1 无法评估：%2</translation>
    </message>
    <message numerus="yes">
        <source>&lt;b&gt;%1&lt;/b&gt;: %2 firing, %3 pending now (the expression returned %n series).</source>
        <translation>
            <numerusform>&lt;b&gt;%1&lt;/b&gt;：当前 %2 条触发中，%3 条待触发（表达式返回了 %n 条序列）。</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 changed since you opened it: %2. Copy your edits, reopen the file and apply them again.</source>
        <translation>自您打开以来 %1 已被修改：%2。请复制您的修改，重新打开文件后再应用。</translation>
    </message>
    <message>
        <source>Could not save %1: %2</source>
        <translation>无法保存 %1：%2</translation>
    </message>
    <message>
        <source>Proposal %1 made for %2; it is published once approved.</source>
        <translation>已为 %2 创建提案 %1；审批通过后发布。</translation>
    </message>
    <message>
        <source>Saved %1 as version %2.</source>
        <translation>已将 %1 保存为版本 %2。</translation>
    </message>
</context>
<context>
    <name>aegis::console::SelectedInstanceHealth</name>
    <message>
        <source>This daemon does not report health (it has no HealthService)</source>
        <translation>此服务端不报告健康状态（没有 HealthService）</translation>
    </message>
    <message>
        <source>Could not load health: %1 (%2)</source>
        <translation>无法加载健康状态：%1（%2）</translation>
    </message>
</context>
<context>
    <name>aegis::console::ServiceGraphView</name>
    <message>
        <source>%1
%2 requests/s, %3 failed
Click to search its traces</source>
        <translation>%1
%2 请求/秒，%3 失败
点击搜索其链路</translation>
    </message>
    <message>
        <source>no requests of its own</source>
        <translation>自身无请求</translation>
    </message>
    <message>
        <source>%1/s · %2 err</source>
        <translation>%1/s · %2 错误</translation>
    </message>
</context>
<context>
    <name>aegis::console::ServiceSummaryDelegate</name>
    <message>
        <source>panic</source>
        <translation>恐慌模式</translation>
    </message>
</context>
<context>
    <name>aegis::console::ServiceSummaryModel</name>
    <message>
        <source>All services</source>
        <translation>所有服务</translation>
    </message>
    <message numerus="yes">
        <source>%1 now; the line shows the last %n minute(s)</source>
        <translation>
            <numerusform>当前 %1；曲线显示最近 %n 分钟</numerusform>
        </translation>
    </message>
    <message>
        <source>%1: %2 instance(s) — %3 serving, %4 draining, %5 in maintenance</source>
        <translation>%1：%2 个实例 — %3 个服务中，%4 个摘流中，%5 个维护中</translation>
    </message>
    <message>
        <source>Health: %1 passing, %2 warning, %3 critical, %4 flapping, %5 ejected, %6 unknown</source>
        <translation>健康状态：%1 个正常，%2 个警告，%3 个严重，%4 个抖动，%5 个已剔除，%6 个未知</translation>
    </message>
    <message numerus="yes">
        <source>%n service(s) in panic: discovery hands out every instance, healthy or not</source>
        <translation>
            <numerusform>%n 个服务处于恐慌模式：服务发现会返回所有实例，无论是否健康</numerusform>
        </translation>
    </message>
    <message>
        <source>In panic: too many instances are unhealthy, so discovery hands out every instance rather than overload the few left</source>
        <translation>恐慌模式：不健康的实例过多，服务发现会返回所有实例，以免压垮仅剩的健康实例</translation>
    </message>
    <message>
        <source>Registered instances</source>
        <translation>已注册实例</translation>
    </message>
    <message>
        <source>Unhealthy: critical or ejected, so discovery leaves them out (unless the service is in panic)</source>
        <translation>不健康：严重或已剔除，服务发现不会返回它们（除非服务处于恐慌模式）</translation>
    </message>
    <message>
        <source>Serving: in rotation</source>
        <translation>服务中：在轮转中</translation>
    </message>
    <message>
        <source>Draining: finishing work, no new requests</source>
        <translation>摘流中：正在完成手头工作，不接收新请求</translation>
    </message>
    <message>
        <source>Maintenance: out of rotation by an operator</source>
        <translation>维护中：被运维人员移出轮转</translation>
    </message>
    <message numerus="yes">
        <source>Requests per second and the share of them that failed (5xx) over the last %n minute(s), from the metrics backend</source>
        <translation>
            <numerusform>最近 %n 分钟内每秒请求数及其中失败（5xx）的比例，数据来自指标后端</numerusform>
        </translation>
    </message>
    <message>
        <source>Service</source>
        <translation>服务</translation>
    </message>
    <message>
        <source>Total</source>
        <translation>总数</translation>
    </message>
    <message>
        <source>Unhealthy</source>
        <translation>不健康</translation>
    </message>
    <message>
        <source>Serving</source>
        <translation>服务中</translation>
    </message>
    <message>
        <source>Draining</source>
        <translation>摘流中</translation>
    </message>
    <message>
        <source>Maintenance</source>
        <translation>维护中</translation>
    </message>
    <message>
        <source>Traffic</source>
        <translation>流量</translation>
    </message>
    <message>
        <source>%1 err</source>
        <translation>%1 错误</translation>
    </message>
</context>
<context>
    <name>aegis::console::ServicesPage</name>
    <message>
        <source>Services</source>
        <translation>服务</translation>
    </message>
    <message>
        <source>Service discovery: services and instances</source>
        <translation>服务发现：服务与实例</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>Problems only</source>
        <translation>仅看问题实例</translation>
    </message>
    <message>
        <source>Health check…</source>
        <translation>健康检查…</translation>
    </message>
    <message>
        <source>Instances change here as they register, change state or go</source>
        <translation>实例注册、状态变化或下线时在此实时更新</translation>
    </message>
    <message>
        <source>Showing the instances loaded before the daemon became unreachable</source>
        <translation>显示的是服务端无法访问之前加载的实例</translation>
    </message>
    <message>
        <source>Filter by labels, e.g. color=green,zone!=b or version in (1.4.0,1.5.0)</source>
        <translation>按标签筛选，例如 color=green,zone!=b 或 version in (1.4.0,1.5.0)</translation>
    </message>
    <message>
        <source>A label selector, as ListInstances takes it: key=value, key!=value, key (present), !key (absent), key in (a,b), key notin (a,b); comma-separated requirements must all hold</source>
        <translation>标签选择器，格式与 ListInstances 相同：key=value、key!=value、key（存在）、!key（不存在）、key in (a,b)、key notin (a,b)；逗号分隔的条件须全部满足</translation>
    </message>
    <message>
        <source>Show only instances whose health is warning, flapping, critical or ejected</source>
        <translation>只显示健康状态为警告、抖动、严重或已剔除的实例</translation>
    </message>
    <message>
        <source>Click a count to select the next such instance</source>
        <translation>点击数量可选中下一个该状态的实例</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>详情</translation>
    </message>
    <message>
        <source>Logs</source>
        <translation>日志</translation>
    </message>
    <message>
        <source>Drain</source>
        <translation>摘流</translation>
    </message>
    <message>
        <source>Maintenance</source>
        <translation>维护中</translation>
    </message>
    <message>
        <source>Serve</source>
        <translation>恢复服务</translation>
    </message>
    <message>
        <source>Deregister…</source>
        <translation>注销…</translation>
    </message>
    <message>
        <source>Saved the health check of %1 (recorded in the audit log)</source>
        <translation>已保存 %1 的健康检查（已记入审计日志）</translation>
    </message>
    <message>
        <source>Could not %1 %2: %3 (%4)</source>
        <translation>无法%1 %2：%3（%4）</translation>
    </message>
    <message>
        <source>Invalid selector — %1. Still showing the last valid filter.</source>
        <translation>选择器无效 — %1。仍按上一个有效的筛选条件显示。</translation>
    </message>
    <message>
        <source>Put into maintenance</source>
        <translation>设为维护</translation>
    </message>
    <message>
        <source>Return to serving</source>
        <translation>恢复服务</translation>
    </message>
    <message>
        <source>Deregister</source>
        <translation>注销</translation>
    </message>
    <message>
        <source>Drained %1 (recorded in the audit log)</source>
        <translation>已对 %1 摘流（已记入审计日志）</translation>
    </message>
    <message>
        <source>Put %1 into maintenance (recorded in the audit log)</source>
        <translation>已将 %1 设为维护（已记入审计日志）</translation>
    </message>
    <message>
        <source>Returned %1 to serving (recorded in the audit log)</source>
        <translation>已将 %1 恢复服务（已记入审计日志）</translation>
    </message>
    <message>
        <source>Deregistered %1 (recorded in the audit log)</source>
        <translation>已注销 %1（已记入审计日志）</translation>
    </message>
    <message>
        <source>The daemon records this in the audit log.</source>
        <translation>服务端会将此操作记入审计日志。</translation>
    </message>
    <message>
        <source>Drain instance</source>
        <translation>实例摘流</translation>
    </message>
    <message>
        <source>Drain %1?&lt;br&gt;&lt;br&gt;It finishes its current work and callers send it no new requests. It stays registered.</source>
        <translation>对 %1 摘流？&lt;br&gt;&lt;br&gt;它会完成手头的工作，调用方不再向它发送新请求。它仍保持注册。</translation>
    </message>
    <message>
        <source>Put instance into maintenance</source>
        <translation>将实例设为维护</translation>
    </message>
    <message>
        <source>Put %1 into maintenance?&lt;br&gt;&lt;br&gt;It leaves rotation until it is returned to serving.</source>
        <translation>将 %1 设为维护？&lt;br&gt;&lt;br&gt;它会移出轮转，直到恢复服务。</translation>
    </message>
    <message>
        <source>Return instance to serving</source>
        <translation>实例恢复服务</translation>
    </message>
    <message>
        <source>Return %1 to serving?&lt;br&gt;&lt;br&gt;It rejoins rotation and receives traffic.</source>
        <translation>将 %1 恢复服务？&lt;br&gt;&lt;br&gt;它会重新加入轮转并接收流量。</translation>
    </message>
    <message>
        <source>Deregister instance</source>
        <translation>注销实例</translation>
    </message>
    <message>
        <source>Deregister %1?&lt;br&gt;&lt;br&gt;It disappears from discovery at once. The process itself keeps running and may register again.</source>
        <translation>注销 %1？&lt;br&gt;&lt;br&gt;它会立即从服务发现中消失。进程本身继续运行，之后可能重新注册。</translation>
    </message>
    <message>
        <source>%1 %2…</source>
        <translation>%1 %2…</translation>
    </message>
    <message>
        <source>Your token (%1) has the viewer role: viewers see services, instances and health checks but cannot change them.</source>
        <translation>您的令牌（%1）为 viewer 角色：viewer 可以查看服务、实例和健康检查，但不能修改。</translation>
    </message>
    <message>
        <source>Finish current work; callers send no new requests</source>
        <translation>完成手头工作；调用方不再发送新请求</translation>
    </message>
    <message>
        <source>Take the instance out of rotation</source>
        <translation>将实例移出轮转</translation>
    </message>
    <message>
        <source>Return the instance to rotation</source>
        <translation>将实例重新加入轮转</translation>
    </message>
    <message>
        <source>Remove the instance from discovery</source>
        <translation>将实例从服务发现中移除</translation>
    </message>
    <message>
        <source>Select a service to edit its health check</source>
        <translation>选择一个服务以编辑其健康检查</translation>
    </message>
    <message>
        <source>See how %1&apos;s instances are health-checked. %2</source>
        <translation>查看 %1 的实例如何进行健康检查。%2</translation>
    </message>
    <message>
        <source>Edit how %1&apos;s instances are health-checked</source>
        <translation>编辑 %1 的实例如何进行健康检查</translation>
    </message>
    <message numerus="yes">
        <source>%n service(s), </source>
        <translation>
            <numerusform>%n 个服务，</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n instance(s)</source>
        <translation>
            <numerusform>%n 个实例</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source> (%n unhealthy)</source>
        <translation>
            <numerusform>（%n 个不健康）</numerusform>
        </translation>
    </message>
    <message>
        <source>, watched live</source>
        <translation>，实时监听</translation>
    </message>
    <message>
        <source>Could not list instances: %1</source>
        <translation>无法列出实例：%1</translation>
    </message>
    <message numerus="yes">
        <source>%n instance(s) shown</source>
        <translation>
            <numerusform>显示 %n 个实例</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%1 of %n instance(s) shown</source>
        <translation>
            <numerusform>显示 %1 / %n 个实例</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 %2</source>
        <translation>%1 %2</translation>
    </message>
    <message>
        <source>No problems among the instances shown</source>
        <translation>显示的实例中没有问题</translation>
    </message>
    <message>
        <source>Needs attention:</source>
        <translation>需要关注：</translation>
    </message>
</context>
<context>
    <name>aegis::console::SilenceDialog</name>
    <message>
        <source>New silence</source>
        <translation>新建静默</translation>
    </message>
    <message>
        <source>Add matcher</source>
        <translation>添加匹配器</translation>
    </message>
    <message>
        <source>Until…</source>
        <translation>截止…</translation>
    </message>
    <message>
        <source>Why (required), e.g. the ticket of the maintenance</source>
        <translation>原因（必填），例如维护工单号</translation>
    </message>
    <message>
        <source>Create silence</source>
        <translation>创建静默</translation>
    </message>
    <message>
        <source>Matchers</source>
        <translation>匹配器</translation>
    </message>
    <message>
        <source>Duration</source>
        <translation>持续时间</translation>
    </message>
    <message>
        <source>Comment</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Would silence now</source>
        <translation>当前会被静默的告警</translation>
    </message>
    <message>
        <source>label</source>
        <translation>标签</translation>
    </message>
    <message>
        <source>= equals, != differs, =~ matches the regex, !~ does not match it</source>
        <translation>= 等于，!= 不等于，=~ 匹配正则，!~ 不匹配正则</translation>
    </message>
    <message>
        <source>value</source>
        <translation>值</translation>
    </message>
    <message>
        <source>Remove this matcher</source>
        <translation>删除此匹配器</translation>
    </message>
    <message>
        <source>Add at least one matcher.</source>
        <translation>至少添加一个匹配器。</translation>
    </message>
    <message>
        <source>At least one matcher must not match an empty label (it would silence every alert).</source>
        <translation>至少有一个匹配器不能匹配空标签（否则会静默所有告警）。</translation>
    </message>
    <message>
        <source>The silence must last at least a minute.</source>
        <translation>静默至少持续一分钟。</translation>
    </message>
    <message>
        <source>Say why in the comment.</source>
        <translation>请在备注中说明原因。</translation>
    </message>
    <message>
        <source>The matchers select nothing yet.</source>
        <translation>这些匹配器尚未选中任何告警。</translation>
    </message>
    <message>
        <source>Not connected: no preview.</source>
        <translation>未连接：无法预览。</translation>
    </message>
    <message>
        <source>Looking…</source>
        <translation>查找中…</translation>
    </message>
    <message>
        <source>Could not list the alerts: %1</source>
        <translation>无法列出告警：%1</translation>
    </message>
    <message>
        <source>No alert is active that these matchers select.</source>
        <translation>没有被这些匹配器选中的活动告警。</translation>
    </message>
    <message numerus="yes">
        <source>%n alert(s) would be silenced.</source>
        <translation>
            <numerusform>将静默 %n 条告警。</numerusform>
        </translation>
    </message>
    <message>
        <source>The daemon refused the silence: %1</source>
        <translation>服务端拒绝了该静默：%1</translation>
    </message>
</context>
<context>
    <name>aegis::console::SilenceModel</name>
    <message>
        <source>Active</source>
        <translation>生效中</translation>
    </message>
    <message>
        <source>Pending</source>
        <translation>待触发</translation>
    </message>
    <message>
        <source>Expired</source>
        <translation>已过期</translation>
    </message>
    <message>
        <source>Unknown</source>
        <translation>未知</translation>
    </message>
    <message>
        <source>Matchers</source>
        <translation>匹配器</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Ends</source>
        <translation>结束时间</translation>
    </message>
    <message>
        <source>Created by</source>
        <translation>创建人</translation>
    </message>
    <message>
        <source>Comment</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Silence %1</source>
        <translation>静默 %1</translation>
    </message>
    <message>
        <source>in %1</source>
        <translation>%1后</translation>
    </message>
</context>
<context>
    <name>aegis::console::SpanDetailPane</name>
    <message>
        <source>internal</source>
        <translation>内部</translation>
    </message>
    <message>
        <source>server</source>
        <translation>服务端</translation>
    </message>
    <message>
        <source>client</source>
        <translation>客户端</translation>
    </message>
    <message>
        <source>producer</source>
        <translation>生产者</translation>
    </message>
    <message>
        <source>consumer</source>
        <translation>消费者</translation>
    </message>
    <message>
        <source>unspecified</source>
        <translation>未指定</translation>
    </message>
    <message>
        <source>Select a span to see its attributes, events, links and resource.</source>
        <translation>选择一个 Span 以查看其属性、事件、链接和资源。</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>错误</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>正常</translation>
    </message>
    <message>
        <source>Status unset</source>
        <translation>状态未设置</translation>
    </message>
    <message>
        <source>Span</source>
        <translation>Span</translation>
    </message>
    <message>
        <source>Starts at</source>
        <translation>开始于</translation>
    </message>
    <message>
        <source>Duration</source>
        <translation>持续时间</translation>
    </message>
    <message>
        <source>Self time</source>
        <translation>自身耗时</translation>
    </message>
    <message>
        <source>Critical path</source>
        <translation>关键路径</translation>
    </message>
    <message>
        <source>Span ID</source>
        <translation>Span ID</translation>
    </message>
    <message>
        <source>Parent ID</source>
        <translation>父 Span ID</translation>
    </message>
    <message>
        <source>%1 (not in the trace)</source>
        <translation>%1（不在此链路中）</translation>
    </message>
    <message>
        <source>Version</source>
        <translation>版本</translation>
    </message>
    <message>
        <source>Colour</source>
        <translation>颜色</translation>
    </message>
    <message>
        <source>Children</source>
        <translation>子 Span</translation>
    </message>
    <message>
        <source>%1 (%2 below in all)</source>
        <translation>%1（下层共 %2 个）</translation>
    </message>
    <message>
        <source>Attributes</source>
        <translation>属性</translation>
    </message>
    <message>
        <source>None</source>
        <translation>无</translation>
    </message>
    <message>
        <source>Events (%1)</source>
        <translation>事件（%1）</translation>
    </message>
    <message>
        <source>Links (%1)</source>
        <translation>链接（%1）</translation>
    </message>
    <message>
        <source>Trace</source>
        <translation>链路</translation>
    </message>
    <message>
        <source>Resource</source>
        <translation>资源</translation>
    </message>
    <message>
        <source>Instrumentation scope</source>
        <translation>埋点作用域</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Dropped by the sender: %1 attributes, %2 events, %3 links</source>
        <translation>被发送方丢弃：%1 个属性，%2 个事件，%3 个链接</translation>
    </message>
</context>
<context>
    <name>aegis::console::TagQueryEditor</name>
    <message>
        <source>e.g. http.response.status_code &gt;= 500 AND NOT retry = true</source>
        <translation>例如 http.response.status_code &gt;= 500 AND NOT retry = true</translation>
    </message>
    <message>
        <source>Attributes of a span or its resource: key = value, != , &gt;, &gt;=, &lt;, &lt;=, a bare key (present), * wildcards; AND, OR, NOT and parentheses. Ctrl+Space completes, Enter searches.</source>
        <translation>Span 或其资源的属性：key = value、!=、&gt;、&gt;=、&lt;、&lt;=、仅写 key（存在）、* 通配符；支持 AND、OR、NOT 和括号。Ctrl+Space 补全，Enter 搜索。</translation>
    </message>
</context>
<context>
    <name>aegis::console::TokenVault</name>
    <message>
        <source>disabled by AEGIS_CONSOLE_NO_KEYRING</source>
        <translation>已被 AEGIS_CONSOLE_NO_KEYRING 禁用</translation>
    </message>
    <message>
        <source>built without QtKeychain</source>
        <translation>构建时未包含 QtKeychain</translation>
    </message>
    <message>
        <source>Tokens are kept in the system keyring.</source>
        <translation>令牌保存在系统密钥环中。</translation>
    </message>
    <message>
        <source>No system keyring is reachable (%1): tokens entered here are kept for this session only. Use a token file to keep one between runs.</source>
        <translation>无法访问系统密钥环（%1）：在此输入的令牌仅在本次会话中保留。如需跨会话保留，请使用令牌文件。</translation>
    </message>
    <message>
        <source>Tokens are kept in the system keyring when one is reachable.</source>
        <translation>可以访问系统密钥环时，令牌保存在其中。</translation>
    </message>
    <message>
        <source>the keyring did not answer</source>
        <translation>密钥环未响应</translation>
    </message>
</context>
<context>
    <name>aegis::console::TraceComparisonModel</name>
    <message>
        <source>Path (service: operation)</source>
        <translation>路径（服务：操作）</translation>
    </message>
    <message>
        <source>Left ×</source>
        <translation>左侧次数</translation>
    </message>
    <message>
        <source>Right ×</source>
        <translation>右侧次数</translation>
    </message>
    <message>
        <source>Left time</source>
        <translation>左侧耗时</translation>
    </message>
    <message>
        <source>Right time</source>
        <translation>右侧耗时</translation>
    </message>
    <message>
        <source>Change</source>
        <translation>变化</translation>
    </message>
    <message>
        <source>Left errors</source>
        <translation>左侧错误</translation>
    </message>
    <message>
        <source>Right errors</source>
        <translation>右侧错误</translation>
    </message>
</context>
<context>
    <name>aegis::console::TraceMinimap</name>
    <message>
        <source>The whole trace; the frame is what the waterfall shows. Click or drag to move it.</source>
        <translation>整条链路；框内是瀑布图显示的范围。点击或拖动可移动它。</translation>
    </message>
</context>
<context>
    <name>aegis::console::TraceResultsModel</name>
    <message>
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
    <message>
        <source>%1: %2 (root not received)</source>
        <translation>%1：%2（未收到根 Span）</translation>
    </message>
    <message numerus="yes">
        <source>%1: %n span(s), %2 with errors</source>
        <translation>
            <numerusform>%1：%n 个 Span，%2 个有错误</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%1: %n span(s)</source>
        <translation>
            <numerusform>%1：%n 个 Span</numerusform>
        </translation>
    </message>
    <message>
        <source>Trace %1, started %2</source>
        <translation>链路 %1，开始于 %2</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>开始时间</translation>
    </message>
    <message>
        <source>Root service: operation</source>
        <translation>根服务：操作</translation>
    </message>
    <message>
        <source>Duration</source>
        <translation>持续时间</translation>
    </message>
    <message>
        <source>Spans</source>
        <translation>Span 数</translation>
    </message>
    <message>
        <source>Errors</source>
        <translation>错误数</translation>
    </message>
    <message>
        <source>Services</source>
        <translation>服务</translation>
    </message>
</context>
<context>
    <name>aegis::console::TraceView</name>
    <message>
        <source>Find traces of this service</source>
        <translation>查找此服务的链路</translation>
    </message>
    <message>
        <source>Search for traces of the selected span&apos;s service and operation (the root&apos;s when nothing is selected).</source>
        <translation>搜索所选 Span 的服务和操作的链路（未选择时使用根 Span）。</translation>
    </message>
    <message>
        <source>Compare with…</source>
        <translation>对比…</translation>
    </message>
    <message>
        <source>Compare this trace with another one, span path by span path.</source>
        <translation>按 Span 路径逐一对比此链路与另一条链路。</translation>
    </message>
    <message>
        <source>Find in trace: service, operation, attribute, span ID</source>
        <translation>在链路中查找：服务、操作、属性、Span ID</translation>
    </message>
    <message>
        <source>Previous match (Shift+Enter)</source>
        <translation>上一个匹配（Shift+Enter）</translation>
    </message>
    <message>
        <source>Next match (Enter)</source>
        <translation>下一个匹配（Enter）</translation>
    </message>
    <message>
        <source>The critical path: what the trace&apos;s end-to-end latency waited on. Within each span, the child that finished last, then the one that finished before that started, and so on; the span&apos;s own time in between.</source>
        <translation>关键路径：链路端到端延迟所等待的部分。在每个 Span 内，取最后结束的子 Span，再取在它开始前结束的那个，依此类推；其间为 Span 自身的耗时。</translation>
    </message>
    <message>
        <source>Collapse all</source>
        <translation>全部折叠</translation>
    </message>
    <message>
        <source>Expand all</source>
        <translation>全部展开</translation>
    </message>
    <message>
        <source>Reset zoom</source>
        <translation>重置缩放</translation>
    </message>
    <message>
        <source>Show the whole trace again (or double-click the ruler). Drag across the ruler to zoom into a time range.</source>
        <translation>重新显示整条链路（或双击标尺）。在标尺上拖动可放大某个时间范围。</translation>
    </message>
    <message>
        <source>Choose a trace to see its spans.</source>
        <translation>选择一条链路以查看其 Span。</translation>
    </message>
    <message>
        <source>Loading trace %1…</source>
        <translation>正在加载链路 %1…</translation>
    </message>
    <message>
        <source>Not connected to a daemon.</source>
        <translation>未连接到服务端。</translation>
    </message>
    <message>
        <source>Could not load trace %1: %2</source>
        <translation>无法加载链路 %1：%2</translation>
    </message>
    <message>
        <source>Trace %1 has no spans (yet, or any more).</source>
        <translation>链路 %1 没有 Span（尚未收到，或已被清理）。</translation>
    </message>
    <message>
        <source>Critical path</source>
        <translation>关键路径</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>错误</translation>
    </message>
    <message>
        <source>Trace</source>
        <translation>链路</translation>
    </message>
    <message>
        <source>Started</source>
        <translation>开始时间</translation>
    </message>
    <message>
        <source>Duration</source>
        <translation>持续时间</translation>
    </message>
    <message>
        <source>Spans</source>
        <translation>Span 数</translation>
    </message>
    <message>
        <source>Services</source>
        <translation>服务</translation>
    </message>
    <message>
        <source>Depth</source>
        <translation>深度</translation>
    </message>
    <message>
        <source>Errors</source>
        <translation>错误数</translation>
    </message>
    <message numerus="yes">
        <source>%n span(s) without their parent</source>
        <translation>
            <numerusform>%n 个 Span 缺少父 Span</numerusform>
        </translation>
    </message>
    <message>
        <source>No match</source>
        <translation>无匹配</translation>
    </message>
    <message>
        <source>%1 of %2</source>
        <translation>第 %1 个，共 %2 个</translation>
    </message>
    <message numerus="yes">
        <source>%n match(es)</source>
        <translation>
            <numerusform>%n 个匹配</numerusform>
        </translation>
    </message>
    <message>
        <source>Details are not available offline.</source>
        <translation>离线时无法查看详情。</translation>
    </message>
    <message>
        <source>Loading the span&apos;s details…</source>
        <translation>正在加载 Span 详情…</translation>
    </message>
    <message>
        <source>Could not load the span&apos;s details: %1</source>
        <translation>无法加载 Span 详情：%1</translation>
    </message>
    <message>
        <source>The daemon no longer has this span (retention).</source>
        <translation>服务端已不再保存此 Span（超出保留期）。</translation>
    </message>
</context>
<context>
    <name>aegis::console::TracesPage</name>
    <message>
        <source>Traces</source>
        <translation>链路追踪</translation>
    </message>
    <message>
        <source>Requests across services, from the spans they report over OpenTelemetry</source>
        <translation>跨服务的请求，数据来自各服务通过 OpenTelemetry 上报的 Span</translation>
    </message>
    <message>
        <source>Export OTLP JSON…</source>
        <translation>导出 OTLP JSON…</translation>
    </message>
    <message>
        <source>Save the open trace as OTLP JSON, which any OpenTelemetry tool reads</source>
        <translation>将打开的链路保存为 OTLP JSON，任何 OpenTelemetry 工具都能读取</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>搜索</translation>
    </message>
    <message>
        <source>Trace</source>
        <translation>链路</translation>
    </message>
    <message>
        <source>Service graph</source>
        <translation>服务拓扑</translation>
    </message>
    <message>
        <source>Compare</source>
        <translation>对比</translation>
    </message>
    <message>
        <source>All services</source>
        <translation>所有服务</translation>
    </message>
    <message>
        <source>All operations</source>
        <translation>所有操作</translation>
    </message>
    <message>
        <source>Choose a service first</source>
        <translation>请先选择服务</translation>
    </message>
    <message>
        <source>Custom…</source>
        <translation>自定义…</translation>
    </message>
    <message>
        <source>e.g. 250ms</source>
        <translation>例如 250ms</translation>
    </message>
    <message>
        <source>e.g. 2s</source>
        <translation>例如 2s</translation>
    </message>
    <message>
        <source>A duration: 800us, 250ms, 1.5s, 2m; a bare number is milliseconds</source>
        <translation>时长：800us、250ms、1.5s、2m；不带单位的数字按毫秒计</translation>
    </message>
    <message>
        <source>Find traces</source>
        <translation>查找链路</translation>
    </message>
    <message>
        <source>to</source>
        <translation>至</translation>
    </message>
    <message>
        <source>Service</source>
        <translation>服务</translation>
    </message>
    <message>
        <source>Operation</source>
        <translation>操作</translation>
    </message>
    <message>
        <source>When</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>From</source>
        <translation>从</translation>
    </message>
    <message>
        <source>Until</source>
        <translation>截止</translation>
    </message>
    <message>
        <source>Duration</source>
        <translation>持续时间</translation>
    </message>
    <message>
        <source>Limit</source>
        <translation>数量上限</translation>
    </message>
    <message>
        <source>Tags</source>
        <translation>标签</translation>
    </message>
    <message>
        <source>&lt;b&gt;Tags&lt;/b&gt; match a span&apos;s attributes or its resource&apos;s:&lt;br&gt;&lt;code&gt;http.response.status_code &amp;gt;= 500&lt;/code&gt;&lt;br&gt;&lt;code&gt;region = &quot;eu-*&quot; AND NOT retry = true&lt;/code&gt;&lt;br&gt;&lt;code&gt;(error OR kind = client) AND peer.service&lt;/code&gt;&lt;br&gt;Fields: &lt;code&gt;error&lt;/code&gt;, &lt;code&gt;service&lt;/code&gt;, &lt;code&gt;operation&lt;/code&gt;, &lt;code&gt;version&lt;/code&gt;, &lt;code&gt;colour&lt;/code&gt;, &lt;code&gt;kind&lt;/code&gt;. A bare key means present; &lt;code&gt;*&lt;/code&gt; matches any text. Ctrl+Space completes.</source>
        <translation>&lt;b&gt;标签&lt;/b&gt;匹配 Span 或其资源的属性：&lt;br&gt;&lt;code&gt;http.response.status_code &amp;gt;= 500&lt;/code&gt;&lt;br&gt;&lt;code&gt;region = &quot;eu-*&quot; AND NOT retry = true&lt;/code&gt;&lt;br&gt;&lt;code&gt;(error OR kind = client) AND peer.service&lt;/code&gt;&lt;br&gt;字段：&lt;code&gt;error&lt;/code&gt;、&lt;code&gt;service&lt;/code&gt;、&lt;code&gt;operation&lt;/code&gt;、&lt;code&gt;version&lt;/code&gt;、&lt;code&gt;colour&lt;/code&gt;、&lt;code&gt;kind&lt;/code&gt;。仅写 key 表示存在；&lt;code&gt;*&lt;/code&gt; 匹配任意文本。Ctrl+Space 补全。</translation>
    </message>
    <message>
        <source>Duration of traces over time</source>
        <translation>链路耗时随时间分布</translation>
    </message>
    <message>
        <source>Click to open</source>
        <translation>点击打开</translation>
    </message>
    <message>
        <source>Compare selected</source>
        <translation>对比所选</translation>
    </message>
    <message>
        <source>Select two traces (Ctrl+click) to compare their spans</source>
        <translation>选择两条链路（Ctrl+点击）以对比其 Span</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <source>Open the selected trace (Enter, or double-click)</source>
        <translation>打开所选链路（Enter 或双击）</translation>
    </message>
    <message>
        <source>Trace id (32 hex digits)</source>
        <translation>链路 ID（32 位十六进制）</translation>
    </message>
    <message>
        <source>A trace id is 32 hex digits, as in a traceparent header or a log line&apos;s trace_id</source>
        <translation>链路 ID 为 32 位十六进制数，见 traceparent 请求头或日志行中的 trace_id</translation>
    </message>
    <message>
        <source>No trace open. Open one from the search results (double-click, or Enter), click a point of the scatter, or paste a trace id:</source>
        <translation>未打开链路。可从搜索结果中打开（双击或按 Enter），点击散点图中的点，或粘贴链路 ID：</translation>
    </message>
    <message>
        <source>Trace %1</source>
        <translation>链路 %1</translation>
    </message>
    <message>
        <source>Paste the other trace&apos;s id, or select two traces in the search results</source>
        <translation>粘贴另一条链路的 ID，或在搜索结果中选择两条链路</translation>
    </message>
    <message>
        <source>By release</source>
        <translation>按版本</translation>
    </message>
    <message>
        <source>One box per version and colour of each service, so a canary&apos;s calls and errors stand apart from the stable release&apos;s</source>
        <translation>每个服务的每个版本和颜色各一个方框，金丝雀的调用和错误与稳定版本分开显示</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>Boxes and arrows: green below 1 % errors, amber to 5 %, red above; grey: no requests of its own. Click a service to find its traces.</source>
        <translation>方框和箭头：错误率低于 1 % 为绿色，5 % 以内为琥珀色，更高为红色；灰色：自身无请求。点击服务可查找其链路。</translation>
    </message>
    <message>
        <source>Window</source>
        <translation>时间窗口</translation>
    </message>
    <message>
        <source>Left trace id</source>
        <translation>左侧链路 ID</translation>
    </message>
    <message>
        <source>Right trace id</source>
        <translation>右侧链路 ID</translation>
    </message>
    <message>
        <source>Tinted: only in the left trace (red) or the right (green), called a different number of times (amber), notably slower (red) or faster (green) on the right.</source>
        <translation>着色：仅出现在左侧链路（红）或右侧链路（绿）、调用次数不同（琥珀）、右侧明显变慢（红）或变快（绿）。</translation>
    </message>
    <message>
        <source>Select two traces in the search results and press Compare selected, or paste two trace ids above.</source>
        <translation>在搜索结果中选择两条链路并点击“对比所选”，或在上方粘贴两个链路 ID。</translation>
    </message>
    <message>
        <source>This daemon does not keep traces (tracing.store is false); it forwards them to another collector.</source>
        <translation>此服务端不保存链路（tracing.store 为 false），而是转发给其他采集器。</translation>
    </message>
    <message>
        <source>the daemon&apos;s OTLP address</source>
        <translation>服务端的 OTLP 地址</translation>
    </message>
    <message>
        <source>No traces yet: point an OpenTelemetry exporter at %1 (OTLP/gRPC), or POST OTLP/HTTP to %2 on the daemon&apos;s HTTP endpoint.</source>
        <translation>暂无链路：将 OpenTelemetry 导出器指向 %1（OTLP/gRPC），或通过服务端的 HTTP 端点向 %2 POST OTLP/HTTP 数据。</translation>
    </message>
    <message>
        <source>No traces match. Widen the time window, lower the minimum duration or loosen the tag query.</source>
        <translation>没有匹配的链路。请扩大时间窗口、降低最小耗时或放宽标签查询。</translation>
    </message>
    <message>
        <source>No traces yet</source>
        <translation>暂无链路</translation>
    </message>
    <message>
        <source>No traces match</source>
        <translation>没有匹配的链路</translation>
    </message>
    <message>
        <source>The window&apos;s start must be before its end</source>
        <translation>时间窗口的开始须早于结束</translation>
    </message>
    <message>
        <source>A duration is a number with a unit: 800us, 250ms, 1.5s, 2m</source>
        <translation>时长为带单位的数字：800us、250ms、1.5s、2m</translation>
    </message>
    <message>
        <source>The minimum duration is above the maximum</source>
        <translation>最小耗时大于最大耗时</translation>
    </message>
    <message>
        <source>The tag query does not parse: %1</source>
        <translation>标签查询无法解析：%1</translation>
    </message>
    <message>
        <source>No traces</source>
        <translation>无链路</translation>
    </message>
    <message numerus="yes">
        <source>%n trace(s)</source>
        <translation>
            <numerusform>%n 条链路</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>, %n with errors</source>
        <translation>
            <numerusform>，%n 条有错误</numerusform>
        </translation>
    </message>
    <message>
        <source> — more matched: raise the limit or narrow the search</source>
        <translation> — 还有更多匹配：请提高数量上限或缩小搜索范围</translation>
    </message>
    <message>
        <source>Two trace ids of 32 hex digits are needed</source>
        <translation>需要两个 32 位十六进制的链路 ID</translation>
    </message>
    <message numerus="yes">
        <source>%n path(s), </source>
        <translation>
            <numerusform>%n 条路径，</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n differ</source>
        <translation>
            <numerusform>%n 条不同</numerusform>
        </translation>
    </message>
    <message>
        <source>No calls between services in the last %1. Widen the window.</source>
        <translation>最近 %1 内服务之间没有调用。请扩大时间窗口。</translation>
    </message>
    <message numerus="yes">
        <source>%n service(s), </source>
        <translation>
            <numerusform>%n 个服务，</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n call path(s)</source>
        <translation>
            <numerusform>%n 条调用路径</numerusform>
        </translation>
    </message>
    <message>
        <source>Export trace as OTLP JSON</source>
        <translation>将链路导出为 OTLP JSON</translation>
    </message>
    <message>
        <source>OTLP JSON (*.json)</source>
        <translation>OTLP JSON (*.json)</translation>
    </message>
    <message>
        <source>Exporting trace %1…</source>
        <translation>正在导出链路 %1…</translation>
    </message>
    <message>
        <source>Export of trace %1 failed: %2</source>
        <translation>导出链路 %1 失败：%2</translation>
    </message>
    <message>
        <source>Trace %1 saved to %2 (%3)</source>
        <translation>链路 %1 已保存到 %2（%3）</translation>
    </message>
    <message>
        <source>Could not write %1: %2</source>
        <translation>无法写入 %1：%2</translation>
    </message>
    <message numerus="yes">
        <source>%n trace(s) stored</source>
        <translation>
            <numerusform>已存储 %n 条链路</numerusform>
        </translation>
    </message>
    <message>
        <source>traces are forwarded, not stored</source>
        <translation>链路仅转发，不存储</translation>
    </message>
</context>
<context>
    <name>aegis::console::TrafficBar</name>
    <message>
        <source>Traffic as the router last applied it: %1</source>
        <translation>路由器最近一次应用的流量分配：%1</translation>
    </message>
    <message>
        <source>%1 · %2 %</source>
        <translation>%1 · %2 %</translation>
    </message>
    <message>
        <source>No traffic routed yet</source>
        <translation>尚未路由流量</translation>
    </message>
    <message>
        <source>No traffic information</source>
        <translation>无流量信息</translation>
    </message>
</context>
<context>
    <name>aegis::console::WaterfallView</name>
    <message>
        <source>Drag across the ruler to zoom into a time range; double-click to show the whole trace.</source>
        <translation>在标尺上拖动可放大某个时间范围；双击显示整条链路。</translation>
    </message>
    <message>
        <source>Service and operation</source>
        <translation>服务和操作</translation>
    </message>
    <message>
        <source>no parent</source>
        <translation>无父 Span</translation>
    </message>
    <message>
        <source>Duration: %1 (self %2)</source>
        <translation>耗时：%1（自身 %2）</translation>
    </message>
    <message>
        <source>Starts at %1</source>
        <translation>开始于 %1</translation>
    </message>
    <message>
        <source>On the critical path for %1</source>
        <translation>关键路径上耗时 %1</translation>
    </message>
    <message>
        <source>&lt;span style=&apos;color:%1&apos;&gt;Error&lt;/span&gt;</source>
        <translation>&lt;span style=&apos;color:%1&apos;&gt;错误&lt;/span&gt;</translation>
    </message>
    <message>
        <source>Its parent span is not in the trace</source>
        <translation>其父 Span 不在此链路中</translation>
    </message>
    <message>
        <source>%1 child spans, %2 below in all</source>
        <translation>%1 个子 Span，下层共 %2 个</translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <source>Desktop console for aegisd.</source>
        <translation>aegisd 的桌面控制台。</translation>
    </message>
    <message>
        <source>Connect to the daemon at HOST:PORT (not saved).</source>
        <translation>连接到位于 HOST:PORT 的服务端（不保存）。</translation>
    </message>
    <message>
        <source>Read the bearer token from FILE.</source>
        <translation>从 FILE 读取 Bearer 令牌。</translation>
    </message>
    <message>
        <source>Open page NAME (%1), or PAGE/DIALOG to open one of its dialogs once the page has loaded (%2).</source>
        <translation>打开页面 NAME（%1），或用 PAGE/DIALOG 在页面加载后打开它的某个对话框（%2）。</translation>
    </message>
    <message>
        <source>Save the page (or the dialog --page opens) as a PNG once its data has loaded, then exit (1 if it does not load in time).</source>
        <translation>数据加载完成后将页面（或 --page 打开的对话框）保存为 PNG 并退出（未能及时加载时返回 1）。</translation>
    </message>
    <message>
        <source>Window size for --screenshot, e.g. 1280x800 (1440x900).</source>
        <translation>--screenshot 的窗口大小，例如 1280x800（默认 1440x900）。</translation>
    </message>
    <message>
        <source>Seconds to wait for data with --screenshot (20).</source>
        <translation>--screenshot 等待数据的秒数（默认 20）。</translation>
    </message>
    <message>
        <source>Theme: system, light or dark (default: as saved).</source>
        <translation>主题：system、light 或 dark（默认：沿用已保存的设置）。</translation>
    </message>
    <message>
        <source>command line</source>
        <translation>命令行</translation>
    </message>
    <message>
        <source>Language: %1 (default: as chosen in View &gt; Language, else the system&apos;s).</source>
        <translation>语言：%1（默认：视图 &gt; 语言中的选择，否则跟随系统）。</translation>
    </message>
</context>
</TS>
